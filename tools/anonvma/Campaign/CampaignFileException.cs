namespace AnonVma.Campaign;

/// <summary>A campaign directory or one of its files that cannot be used, with the file (and line) in the message.</summary>
public sealed class CampaignFileException(string message) : Exception(message);
