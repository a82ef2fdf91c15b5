// The page's plotly.js: the traces the app draws, built with plotly.js's own esbuild settings
// (node_modules/plotly.js/esbuild-config.js), minified.  npm ci && node build.js
const path = require('path');
const esbuild = require('esbuild');
const { environmentPlugin } = require('esbuild-plugin-environment');
const { glsl } = require('esbuild-plugin-glsl');
const InlineCSSPlugin = require('esbuild-plugin-inline-css');
const { version } = require('plotly.js/package.json');

const outfile = path.join(__dirname, '..', '..', 's2s_viz', 'ui', 'static', `plotly-s2s-${version}.min.js`);
esbuild.build({
  entryPoints: [path.join(__dirname, 'entry.js')],
  outfile,
  format: 'iife',
  bundle: true,
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  banner: {js: `/**\n* plotly.js (scatter, bar, heatmap - minified) v${version}\n* Copyright 2012-2026, Plotly, Inc.\n* All rights reserved.\n* Licensed under the MIT license\n*/`},
  plugins: [InlineCSSPlugin(), glsl({minify: true}), environmentPlugin({NODE_DEBUG: false})],
  alias: {stream: 'stream-browserify'},
  define: {global: 'window', 'define.amd': 'false'},
  target: 'es2016',
  logLevel: 'warning',
}).then(() => console.log(outfile)).catch(() => process.exit(1));
