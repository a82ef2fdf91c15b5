// plotly.js's core (which holds the scatter trace: lines) with the two other traces the app draws
var Plotly = require('plotly.js/lib/core');
Plotly.register([require('plotly.js/lib/bar'), require('plotly.js/lib/heatmap')]);
window.Plotly = Plotly;  // as plotly.js's own bundles do: Gradio's figure component reads it there
