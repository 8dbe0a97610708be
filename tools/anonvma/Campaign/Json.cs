using System.Text.Json;

namespace AnonVma.Campaign;

/// <summary>The one JSON shape of every campaign file (camelCase, indented for people), and readers whose errors name the file and line.</summary>
static class Json
{
    public static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    public static readonly JsonSerializerOptions Line = new(JsonSerializerDefaults.Web);

    public static string Write<T>(T value, bool indented = true) => JsonSerializer.Serialize(value, indented ? Indented : Line);

    /// <summary>Reads a whole JSON file; a missing, empty or malformed file is a CampaignFileException naming it.</summary>
    public static T Read<T>(string path) where T : class
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (FileNotFoundException) { throw new CampaignFileException($"{path}: missing"); }
        catch (IOException e) { throw new CampaignFileException($"{path}: cannot read it: {e.Message}"); }
        return Parse<T>(text, path, 0);
    }

    /// <summary>Parses one JSON text; lineOffset is added to the reported line (for JSON-lines files).</summary>
    public static T Parse<T>(string text, string path, int lineOffset) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(text, Line) ?? throw new CampaignFileException($"{path}:{lineOffset + 1}: expected a JSON object, found null");
        }
        catch (JsonException e)
        {
            long line = lineOffset + (e.LineNumber ?? 0) + 1;
            throw new CampaignFileException($"{path}:{line}: not valid campaign JSON: {FirstSentence(e.Message)}");
        }
    }

    static string FirstSentence(string message)
    {
        int i = message.IndexOf(". Path:", StringComparison.Ordinal);
        return i > 0 ? message[..i] : message;
    }
}
