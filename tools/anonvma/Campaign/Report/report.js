// Run on load: a chart counts as drawn when its box is not empty and every series in it has a box (a line with
// length, or markers). The page's body gets data-charts="DRAWN/CHARTS" and data-not-drawn, which ChromiumCheck reads.
window.addEventListener('load', () => {
  const drawn = svg => {
    const box = svg.getBoundingClientRect();
    return box.width > 0 && box.height > 0
      && [...svg.querySelectorAll('.series')].every(e => { const b = e.getBBox(); return b.width > 0 || b.height > 0; });
  };
  const charts = [...document.querySelectorAll('svg.chart')];
  const bad = charts.filter(svg => !drawn(svg)).map(svg => svg.dataset.chart);
  document.body.dataset.charts = `${charts.length - bad.length}/${charts.length}`;
  document.body.dataset.notDrawn = bad.join(', ');
});
