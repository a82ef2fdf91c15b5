// The page's script, run in the page's head before Gradio builds the page:
// - the sketchpads open with their brush picked (Gradio's editor opens with no tool);
// - a link's tab is the one Gradio builds first and shows;
// - each figure is drawn once per new value, not twice;
// - figures keep their fills when a view's settings change the address;
// - a URL asking for the projector mode gets it before the first answer arrives;
// - an empty figure's "Empty value" label is given the role it needs (a label on a plain div is not allowed), and a
//   table with no rows is not announced (as a grid without rows);
// - window.s2s: the functions the page's events call (a view's URL, the projector switch, a grid's frame).
(() => {
  const labelEmpty = () => {
    document.querySelectorAll('div.empty[aria-label]:not([role])').forEach((box) => box.setAttribute('role', 'img'));
    // a table with no rows yet (the beam table under greedy search) is left out of what assistive technology reads
    // (an empty grid is announced as a grid that has no rows)
    document.querySelectorAll('.table-wrap[role="grid"]').forEach((grid) => {
      const empty = Boolean(grid.closest('.no-rows'));
      if (empty === (grid.getAttribute('aria-hidden') === 'true')) return;
      if (empty) {
        grid.dataset.s2sTabindex = grid.getAttribute('tabindex') ?? 'none';
        grid.setAttribute('aria-hidden', 'true');
        grid.setAttribute('tabindex', '-1');  // nothing hidden may take the focus
      } else {
        grid.removeAttribute('aria-hidden');
        if (grid.dataset.s2sTabindex === 'none') grid.removeAttribute('tabindex');
        else grid.setAttribute('tabindex', grid.dataset.s2sTabindex);
      }
    });
  };
  new MutationObserver(labelEmpty).observe(document.documentElement, {childList: true, subtree: true});
  const pads = 2;  // the Bi-RNN's and the ViT's: once both have their brush, the page is left alone
  const pickBrush = () => {
    const found = document.querySelectorAll('.digit-sketch');
    found.forEach((pad) => {
      if (pad.dataset.brushReady) return;
      const brush = pad.querySelector('button[aria-label="Brush"]');
      if (brush && brush.offsetParent !== null) { brush.click(); pad.dataset.brushReady = '1'; }
    });
    const ready = document.querySelectorAll('.digit-sketch[data-brush-ready="1"]').length;
    if (ready >= pads) { observer.disconnect(); document.removeEventListener('click', onClick, true); }
  };
  const observer = new MutationObserver(pickBrush);
  const onClick = () => setTimeout(pickBrush, 50);
  observer.observe(document.documentElement, {childList: true, subtree: true});
  document.addEventListener('click', onClick, true);
  // a link's tab is shown as soon as its button exists, not after the page's first answer
  const linked = new URLSearchParams(location.search).get('tab');
  // ... and before that, the page's configuration (inlined above this script) opens on the link's tab: Gradio then
  // builds that tab first instead of building and drawing the first one before switching
  const config = window.gradio_config;
  if (linked && config && Array.isArray(config.components) && config.layout) {
    const parentOf = {};
    const walk = (node) => (node.children || []).forEach((child) => { parentOf[child.id] = node.id; walk(child); });
    walk(config.layout);
    const item = config.components.find((c) => c.type === 'tabitem' && c.props && c.props.id === linked);
    const tabs = item && config.components.find((c) => c.type === 'tabs' && c.id === parentOf[item.id]);
    if (tabs) tabs.props.selected = linked;
  }
  if (linked && /^[a-z]+$/.test(linked)) {
    const showLinked = new MutationObserver(() => {
      const button = document.getElementById(`tab-${linked}-button`);
      if (!button) return;
      showLinked.disconnect();
      if (button.getAttribute('aria-selected') !== 'true') button.click();
    });
    showLinked.observe(document.documentElement, {childList: true, subtree: true});
    setTimeout(() => showLinked.disconnect(), 30000);
  }
  // Gradio's figure draws a new value into the figure on the page, then replaces that figure by a new one and draws
  // it again from scratch: every live change drew each figure twice. A figure is now drawn a moment later (once
  // the page has settled), and the outgoing one, out of the page by then, is not drawn at all.
  let plotly;
  Object.defineProperty(window, 'Plotly', {
    configurable: true,
    get: () => plotly,
    set: (module) => {
      plotly = module;
      if (!module || !module.react || module.react.s2sOnce) return;
      const react = module.react;
      const once = (plot, ...rest) => new Promise((resolve, reject) => queueMicrotask(() => {
        if (plot instanceof Element && !plot.isConnected && plot._fullLayout) {
          window.s2sOutgoingSkipped = (window.s2sOutgoingSkipped || 0) + 1;  // read by a browser test
          resolve(plot);
          return;
        }
        Promise.resolve(react.call(module, plot, ...rest)).then(resolve, reject);
      }));
      once.s2sOnce = true;
      module.react = once;
    },
  });
  // plotly.js writes its clip paths and colour-bar gradients as url('<page address>#id') (Gradio's page has a
  // <base>): when a view's settings change the address, point them at the new one, or the figures drawn before lose
  // their fill (blank heatmaps, blank colour bars)
  const replaceState = history.replaceState.bind(history);
  history.replaceState = (state, title, url) => {
    const before = location.href.split('#')[0] + '#';
    replaceState(state, title, url);
    const after = location.href.split('#')[0] + '#';
    if (before === after) return;
    document.querySelectorAll('.js-plotly-plot').forEach((plot) => {
      if (plot._context) plot._context._baseUrl = after.slice(0, -1);
      plot.querySelectorAll('[clip-path], [style*="url("], [fill^="url("], [mask]').forEach((node) => {
        ['clip-path', 'style', 'fill', 'mask'].forEach((name) => {
          const value = node.getAttribute(name);
          if (value && value.includes(before)) node.setAttribute(name, value.split(before).join(after));
        });
      });
    });
  };
  const wanted = new URLSearchParams(location.search).get('projector');
  const apply = () => document.body && document.body.classList.toggle('projector', wanted === '1');
  if (document.body) apply(); else document.addEventListener('DOMContentLoaded', apply);

  // --- what the page's events call (each event's own script is one line naming one of these) ---------------------

  // A view's URL from its controls' values: set as the page's address when its tab is the one shown (or `force`),
  // copied to the clipboard when `copy`. Nothing writes the address before the page's own link is read (`ready`).
  const pageUrl = (tab, names, force, copy, ready, values) => {
    if (!ready) return undefined;
    const query = new URLSearchParams();
    query.set('tab', tab);
    names.forEach((name, i) => {
      let value = values[i];
      if (value === null || value === undefined) return;
      if (Array.isArray(value)) value = value.join(',');
      if (typeof value === 'boolean') value = value ? '1' : '0';
      query.set(name, String(value));
    });
    if (document.body.classList.contains('projector')) query.set('projector', '1');
    const url = location.origin + location.pathname + '?' + query.toString();
    const panel = document.getElementById(`tab-${tab}`);
    if (force || (panel && panel.offsetParent !== null)) history.replaceState(null, '', url);
    if (!copy) return undefined;
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(url).catch(() => {});
    return url;
  };

  // The projector switch: the page's class and its address.
  const projector = (on) => {
    document.body.classList.toggle('projector', !!on);
    const url = new URL(location.href);
    if (on) url.searchParams.set('projector', '1'); else url.searchParams.delete('projector');
    history.replaceState(null, '', url);
  };

  // The chosen map's frame in an every-head grid (element `grid`), moved in the browser: one shape relaid out
  // instead of the whole grid sent and drawn again when only the layer or head changes; a grid drawn after the
  // sliders moved (a link's first computation landing late) takes their frame too.
  const wantedFrames = {}, frameKeepers = {};
  const frame = (grid, line, layer, head) => {
    wantedFrames[grid] = [layer, head];
    const place = (plot) => {
      const meta = plot && plot.layout && plot.layout.meta;
      if (!meta || !meta.columns || !window.Plotly) return false;
      const [row, column] = wantedFrames[grid];
      const inside = row >= 0 && row < meta.rows && column >= 0 && column < meta.columns;
      const index = row * meta.columns + column + 1, axis = index === 1 ? '' : String(index);
      const shapes = plot.layout.shapes || [];
      if (inside ? shapes.length === 1 && shapes[0].xref === `x${axis} domain` : shapes.length === 0) return true;
      const box = {type: 'rect', xref: `x${axis} domain`, yref: `y${axis} domain`, x0: 0, x1: 1, y0: 0, y1: 1, line};
      window.Plotly.relayout(plot, {shapes: inside ? [box] : []});
      return true;
    };
    const find = () => document.querySelector(`#${grid} .js-plotly-plot`);
    frameKeepers[grid] ||= () => place(find());
    let tries = 0;
    const attempt = () => {
      const plot = find();
      if (plot && plot._ev && !plot._ev.listeners('plotly_afterplot').includes(frameKeepers[grid])) {
        plot.on('plotly_afterplot', frameKeepers[grid]);
      }
      if (!place(plot) && tries++ < 600) requestAnimationFrame(attempt);
    };
    attempt();
    return [];
  };

  window.s2s = {pageUrl, projector, frame};
})();
