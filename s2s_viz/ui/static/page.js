// The page's script, run in the page's head before Gradio builds the page:
// - the sketchpads' brush picked when a pad is shown and after its Clear (Gradio's editor has no tool then);
// - a link's tab is the one Gradio builds first and shows;
// - each figure is drawn once per new value, not twice;
// - figures keep their fills when a view's settings change the address;
// - a URL asking for the projector mode gets it before the first answer arrives;
// - each figure is fitted to the projector mode or the phone it is shown on;
// - an empty figure's "Empty value" label is given the role it needs (a label on a plain div is not allowed), and a
//   table with no rows is not announced (as a grid without rows);
// - window.s2s: the functions the page's events call (a view's URL, the projector switch, and the re-views: a
//   grid's frame, a decoding's replay, one map of a grid, the positional encoding, a view's export as shown).
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
  // the examples' column headers are built in both languages ("source · 源句子": Gradio's example table does not
  // translate): each reader sees its own
  const chinese = /^zh/i.test(navigator.language || '');
  const oneLanguage = () => {
    if (chinese) {  // and the caption above them, which Gradio leaves in English
      document.querySelectorAll('div.label:not([data-s2s-lang])').forEach((label) => {
        const words = Array.from(label.childNodes).find((n) => n.nodeType === 3 && n.textContent.trim() === 'Examples');
        if (!words) return;
        label.dataset.s2sLang = '1';
        words.textContent = ' 示例';
      });
    }
    document.querySelectorAll('th[role="columnheader"]:not([data-s2s-lang])').forEach((header) => {
      const parts = header.textContent.split(' · ');
      if (parts.length !== 2) return;
      header.dataset.s2sLang = '1';
      header.textContent = chinese ? parts[1] : parts[0];
    });
  };
  new MutationObserver(() => { labelEmpty(); oneLanguage(); })
    .observe(document.documentElement, {childList: true, subtree: true});
  // The sketchpads' brush: picked whenever a pad is shown (the page opening on it, *draw* picked, its tab chosen)
  // and after its *Clear* (Gradio's editor then drops its tool): a stroke always draws. A tool the reader picked
  // (the eraser) is left alone otherwise.
  const pickBrush = (pad) => {
    const brush = pad.querySelector('button[aria-label="Brush"]');
    if (!brush || brush.offsetParent === null) return false;
    if (!pad.querySelector('button[aria-label="Brush Size"]')) brush.click();  // no brush settings: no brush
    return true;
  };
  const shownPads = new WeakSet();
  let looking = false;
  const lookAtPads = () => {
    if (looking) return;
    looking = true;
    requestAnimationFrame(() => {
      looking = false;
      document.querySelectorAll('.digit-sketch').forEach((pad) => {
        const shown = pad.offsetParent !== null;
        if (shown && !shownPads.has(pad)) { if (pickBrush(pad)) shownPads.add(pad); }
        else if (!shown) shownPads.delete(pad);
      });
    });
  };
  new MutationObserver(lookAtPads).observe(document.documentElement, {childList: true, subtree: true});
  document.addEventListener('click', (event) => {
    const clear = event.target.closest && event.target.closest('.digit-sketch button[aria-label="Clear canvas"]');
    if (clear) {
      const pad = clear.closest('.digit-sketch');
      let tries = 0;
      const again = () => {  // until the brush's settings show: the editor may redraw its toolbar first
        pickBrush(pad);
        if (!pad.querySelector('button[aria-label="Brush Size"]') && tries++ < 20) setTimeout(again, 50);
      };
      setTimeout(again, 50);
    } else {
      setTimeout(lookAtPads, 50);
    }
  }, true);
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
  // A first page holds its opened tab alone (the server's first_page.py): choosing another tab (a click, the
  // keyboard, the phone's overflow menu) opens the whole page on it, once: a cookie asks for the whole page from then
  // on, for this browser's session. A training followed on the page would stop: the reader is asked first.
  const oneTab = config && config.s2s_one_tab;
  const wholePage = (tab) => {
    document.cookie = 's2s_whole_page=1; path=/; SameSite=Lax';
    const query = new URLSearchParams();
    query.set('tab', tab);
    if (document.body.classList.contains('projector')) query.set('projector', '1');
    location.assign(location.origin + location.pathname + '?' + query.toString());
  };
  if (oneTab) {
    let leaving = false;
    const training = () => /^(Training on|Waiting|Starting on|在 .* 上训练|等待中|正在 .* 上启动)/.test(
      (document.getElementById('train-status')?.innerText || '').trim());
    new MutationObserver(() => {
      const shown = document.querySelector('[role="tab"][aria-selected="true"]');
      const tab = shown && shown.id && shown.id.replace(/^tab-/, '').replace(/-button$/, '');
      if (leaving || !tab || tab === oneTab) return;
      if (training() && !window.confirm(chinese
        ? '打开另一个标签页会重新载入本页，并停止正在进行的训练。继续吗？'
        : 'Opening another tab reloads this page and stops the training it follows. Open it?')) {
        document.getElementById(`tab-${oneTab}-button`)?.click();
        return;
      }
      leaving = true;
      wholePage(tab);
    }).observe(document.documentElement,  // the phone's overflow menu adds the chosen tab's button to the bar
      {attributes: true, attributeFilter: ['aria-selected'], childList: true, subtree: true});
  }
  // plotly.js (a quarter of a second of the main thread to evaluate, fetched from the start by a preload) is
  // evaluated as soon as the opened tab is in the page, not when its first figure's component has mounted (measured
  // over the seven tabs' first visits, 5 each: the first figure 0.05 s sooner, the page up no later; evaluated any
  // sooner, it delays the page's own start)
  const figuresEarly = new MutationObserver(() => {
    if (!document.querySelector('[id^="tab-"][role="tabpanel"], .tabitem[id^="tab-"]')) return;
    figuresEarly.disconnect();
    const link = document.querySelector('link[rel="modulepreload"][href*="plotly-"]');
    if (link) import(link.href).catch(() => {});
  });
  figuresEarly.observe(document.documentElement, {childList: true, subtree: true});
  setTimeout(() => figuresEarly.disconnect(), 30000);
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
  // A figure fitted to where it is shown, before plotly lays it out (so its legends, titles and margins are
  // measured with the text as it will be drawn): in projector mode every text 1.4 times larger; on a phone (under
  // 600 px) smaller titles wrapped to the width, narrow side margins (the axes' labels still push them), and an
  // every-head grid folded into as many columns as leave each map 100 px or more.
  const PROJECTOR_SCALE = 1.4, PHONE = 600, CELL = 110;
  const fit = (plot, sent, data) => {
    const layout = JSON.parse(JSON.stringify(sent));
    const projector = document.body && document.body.classList.contains('projector');
    const phone = window.innerWidth < PHONE;
    const width = (plot.clientWidth || window.innerWidth);
    const scale = projector ? PROJECTOR_SCALE : 1;
    const base = (layout.font && layout.font.size) || 12;
    const grow = (node) => {  // every font size written in the layout (titles, legend, annotations, ticks)
      if (!node || typeof node !== 'object') return;
      if (Array.isArray(node)) { node.forEach(grow); return; }
      for (const [key, value] of Object.entries(node)) {
        if (key === 'font' && value && typeof value.size === 'number') value.size *= scale;
        else if (key !== 'template') grow(value);
      }
    };
    if (scale !== 1) grow(layout);
    layout.font = {...(layout.font || {}), size: base * scale};
    if (typeof layout.title === 'string') layout.title = {text: layout.title};
    const title = layout.title;
    if (title && title.text) {
      title.font = title.font || {};
      const size = title.font.size || (phone ? 14 : base * scale * 1.4);
      title.font.size = size;
      title.text = wrap(title.text, width - 24, size);
      // the title at the top, and the plot area (with a grid's subtitles) below all its lines: the top margin is
      // made to hold them, and the figure grows by what the margin grew (plotly's own automargin places a title
      // of several lines as if it had one)
      const lines = title.text.split(/<br\s*\/?>/i).length;
      const subtitles = (layout.annotations || []).filter((a) => a.yref === 'paper' && a.y >= 0.95);
      const subtitle = subtitles.length ? Math.max(...subtitles.map((a) => (a.font && a.font.size) || base * scale)) : 0;
      // (plotly centres a title's further lines on its first: moved down by half of them to start at the top)
      const shift = Math.round(((lines - 1) / 2) * size * 1.3);
      Object.assign(title, {yref: 'container', y: 1, yanchor: 'top', pad: {...(title.pad || {}), t: 8 + shift}});
      const margin = layout.margin || {};
      const needed = Math.ceil(8 + lines * size * 1.3 + (subtitle ? subtitle * 1.5 : 0) + 8);
      const before = margin.t ?? 100;
      if (needed > before) {
        layout.margin = {...margin, t: needed};
        if (layout.height) layout.height += needed - before;
      }
    }
    const fontOf = (node) => ((node && node.font && node.font.size) || base * scale);
    // a legend laid along the bottom: at the figure's foot, below the axis's labels and title, the bottom margin
    // made to hold its rows (entries laid out at the width the figure has)
    const legend = layout.legend;
    if (legend && legend.orientation === 'h' && (legend.y ?? 1) < 0) {
      const size = fontOf(legend);
      const names = (data || []).filter((t) => t.showlegend !== false && t.name).map((t) => t.name);
      const room = width - 40;
      let rows = 1, used = 0;
      for (const name of names) {
        const entry = 40 + measureText(name, size);
        if (used && used + entry > room) { rows += 1; used = 0; }
        used += entry;
      }
      const legendHeight = rows * size * 1.5 + 8;
      Object.assign(legend, {yref: 'container', y: 0, yanchor: 'bottom', x: 0, xanchor: 'left'});
      const margin = layout.margin || {};
      const below = size * 1.5 + (Object.keys(layout).some((k) => /^xaxis\d*$/.test(k) && layout[k].title) ? size * 1.8 : 0);
      const needed = Math.ceil(below + legendHeight + 10), before = margin.b ?? 80;
      if (needed > before) {
        layout.margin = {...margin, b: needed};
        if (layout.height) layout.height += needed - before;
      }
    }
    // a text axis (its labels given one by one) shows every k-th label where all of them would not fit
    const margin = layout.margin || {};
    const across = width - (margin.l ?? 80) - (margin.r ?? 80), down = (layout.height || 450) - (margin.t ?? 100) - (margin.b ?? 80);
    for (const key of Object.keys(layout).filter((k) => /^[xy]axis\d*$/.test(k))) {
      const axis = layout[key];
      if (!Array.isArray(axis.tickvals) || !Array.isArray(axis.ticktext) || axis.tickvals.length < 2) continue;
      const size = (axis.tickfont && axis.tickfont.size) || base * scale;
      const span = axis.domain ? axis.domain[1] - axis.domain[0] : 1;
      const each = (key[0] === 'x' ? across : down) * span / axis.tickvals.length;
      const upright = key[0] === 'y' || Math.abs(axis.tickangle || 0) === 90;
      const need = upright ? size * 1.3 : Math.max(...axis.ticktext.map((t) => measureText(String(t), size))) + size * 0.6;
      const stride = Math.ceil(need / Math.max(each, 1));
      if (stride > 1) {
        axis.tickvals = axis.tickvals.filter((_, i) => i % stride === 0);
        axis.ticktext = axis.ticktext.filter((_, i) => i % stride === 0);
      }
    }
    if (phone) {
      const margin = layout.margin || {};
      layout.margin = {...margin, l: Math.min(margin.l ?? 80, 30), r: Math.min(margin.r ?? 80, 10)};
      const meta = layout.meta || {};
      if (meta.rows && meta.columns) fold(layout, meta.rows * meta.columns, Math.max(1, Math.floor((width - 90) / CELL)), width);
    }
    return layout;
  };
  // about how wide a text is drawn at `size` px (a Chinese character a square, another character a little over half)
  const measureText = (text, size) => Array.from(String(text).replace(/<[^>]+>/g, ''))
    .reduce((n, c) => n + (/[\u2e80-\u9fff\uff00-\uffef]/.test(c) ? 1 : 0.58), 0) * size;
  // a title's lines no wider than `room` px (a line break at a space, or between two Chinese characters)
  const wrap = (text, room, size) => {
    const measure = (s) => measureText(s, size);
    return text.split(/<br\s*\/?>/i).map((line) => {
      if (/<sub>|<sup>/.test(line) || measure(line) <= room) return line;
      const words = line.match(/[\u2e80-\u9fff\uff00-\uffef][，。、：；）]?|[^\s\u2e80-\u9fff\uff00-\uffef]+\s*|\s+/g) || [line];
      const lines = [''];
      for (const word of words) {
        const last = lines[lines.length - 1];
        if (last && measure(last + word) > room) lines.push(word.trimStart()); else lines[lines.length - 1] = last + word;
      }
      return lines.map((l) => l.trimEnd()).join('<br>');
    }).join('<br>');
  };
  // an every-head grid (its maps as axes 1..count in reading order, a subtitle each) in `columns` columns
  const fold = (layout, count, columns, width) => {
    const cellsAcross = (layout.meta || {}).columns;
    if (!cellsAcross || columns >= cellsAcross) return;
    const rows = Math.ceil(count / columns);
    const spans = (n, gap) => Array.from({length: n}, (_, i) => {
      const w = (1 - gap * (n - 1)) / n;
      return [i * (w + gap), i * (w + gap) + w];
    });
    const across = spans(columns, 0.04), down = spans(rows, rows > 1 ? 0.16 / rows : 0).reverse();
    const subtitles = layout.annotations || [];
    for (let k = 0; k < count; k++) {
      const suffix = k === 0 ? '' : String(k + 1), r = Math.floor(k / columns), c = k % columns;
      if (!layout[`xaxis${suffix}`] || !layout[`yaxis${suffix}`]) continue;
      layout[`xaxis${suffix}`].domain = across[c];
      layout[`yaxis${suffix}`].domain = down[r];
      if (subtitles[k]) Object.assign(subtitles[k], {x: (across[c][0] + across[c][1]) / 2, y: down[r][1]});
    }
    const cellWidth = (width - 100) / columns;  // maps about square
    layout.height = Math.round(Math.max(cellWidth, CELL) * rows + 30 * rows + (layout.margin?.t ?? 100));
  };
  const refit = () => document.querySelectorAll('.js-plotly-plot').forEach((plot) => {
    if (plot.s2sLayout && window.Plotly && plot.isConnected) window.Plotly.react(plot, plot.data, plot.s2sLayout);
  });

  // A figure as the server sends it, written out to compare (Gradio adds its own sizing to a figure's layout)
  const sentForm = (data, layout) => {
    const {autosize, ...rest} = layout || {};
    if (rest.margin) {
      const {autoexpand, ...margin} = rest.margin;
      rest.margin = margin;
    }
    return JSON.stringify([data, rest]);
  };

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
        if (plot instanceof Element && rest[1] && typeof rest[1] === 'object') {
          plot.s2sLayout = rest[1];  // as the server sent it: fitted again when the projector mode changes
          plot.s2sSent = sentForm(rest[0], rest[1]);  // and what was sent, to tell a figure that changed
          rest[1] = fit(plot, rest[1], rest[0]);
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
  const pageUrl = (tab, names, force, copy, ready, ...values) => {
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
    refit();
    // the tab bar measures which labels fit only when its width changes: a pixel less for two frames makes it
    // measure them again at the new text size
    document.querySelectorAll('.tab-wrapper').forEach((bar) => {
      bar.style.width = 'calc(100% - 1px)';
      requestAnimationFrame(() => requestAnimationFrame(() => { bar.style.width = ''; }));
    });
    const url = new URL(location.href);
    if (on) url.searchParams.set('projector', '1'); else url.searchParams.delete('projector');
    history.replaceState(null, '', url);
  };

  // --- re-views: a control that only chooses among numbers the page holds is answered here, not by the server -----

  const plotIn = (id) => document.querySelector(`#${id} .js-plotly-plot`);
  // Shapes kept on a figure (element `id`): `shapesFor(plot)` gives the ones wanted (null: not yet drawable), laid
  // out now and again after every new drawing of the figure (a new value, a refit), until a frame or two after
  // the figure first exists.
  const wantedShapes = {}, shapeKeepers = {};
  const keepShapes = (id, shapesFor) => {
    wantedShapes[id] = shapesFor;
    const place = (plot) => {
      if (!plot || !plot.layout || !window.Plotly) return false;
      const shapes = wantedShapes[id](plot);
      if (shapes === null) return false;
      const now = plot.layout.shapes || [];
      const same = now.length === shapes.length && now.every((shape, i) =>
        ['type', 'xref', 'yref', 'x0', 'x1', 'y0', 'y1'].every((key) => shape[key] === shapes[i][key]));
      if (same) return true;
      if (plot.s2sLayout) plot.s2sLayout.shapes = shapes;  // kept when the figure is fitted again
      window.Plotly.relayout(plot, {shapes});
      return true;
    };
    shapeKeepers[id] ||= () => place(plotIn(id));
    let tries = 0;
    const attempt = () => {
      const plot = plotIn(id);
      if (plot && plot._ev && !plot._ev.listeners('plotly_afterplot').includes(shapeKeepers[id])) {
        plot.on('plotly_afterplot', shapeKeepers[id]);
      }
      if (!place(plot) && tries++ < 600) requestAnimationFrame(attempt);
    };
    attempt();
  };

  // The chosen map's frame in an every-head grid (element `grid`): one shape moved instead of the whole grid sent
  // and drawn again when only the layer or head changes; a grid drawn after the sliders moved takes their frame too.
  const frame = (grid, line, layer, head) => {
    keepShapes(grid, (plot) => {
      const meta = plot.layout.meta;
      if (!meta || !meta.columns) return null;
      if (!(layer >= 0 && layer < meta.rows && head >= 0 && head < meta.columns)) return [];
      const index = layer * meta.columns + head + 1, axis = index === 1 ? '' : String(index);
      return [{type: 'rect', xref: `x${axis} domain`, yref: `y${axis} domain`, x0: 0, x1: 1, y0: 0, y1: 1, line}];
    });
    return [];
  };

  // A table's marked row (the step being replayed), by a style rule: the table draws only the rows in view and
  // reuses their elements as it scrolls, and the rule follows the row's index wherever it is drawn.
  const markedRows = {};
  const markRow = (table, row) => {
    markedRows[table] = row;
    let style = document.getElementById('s2s-marked-rows');
    if (!style) {
      style = document.createElement('style');
      style.id = 's2s-marked-rows';
      document.head.appendChild(style);
    }
    style.textContent = Object.entries(markedRows).filter(([, r]) => r !== null && r >= 0).map(([t, r]) =>
      `#${t} [role=row][aria-rowindex="${r + 2}"] [role=gridcell] {background-color: #ffe08a; font-weight: bold;}`,
    ).join('\n');
  };

  // The replay of a decoding at `step`, from the numbers the translation sent once (`data.written`: the output so
  // far at each step; `data.choices`: each step's most likely tokens): that step's row of the attention heatmap
  // framed and its row of the step table marked; returned for the fields the event fills: the text written so
  // far, and the what-if's choices at that step (the runner-up chosen: the one it nearly wrote) and its step.
  const replay = (heatmap, table, data, step) => {
    const written = (data && data.written) || [];
    if (!written.length) {
      markRow(table, null);
      return ['', {__type__: 'update', choices: [], value: null}, 0];
    }
    const at = Math.min(Math.max(Math.round(Number(step) || 0), 0), written.length - 1);
    markRow(table, at);
    keepShapes(heatmap, (plot) => {
      const rows = (plot.data && plot.data[0] && plot.data[0].y) || [];
      if (at >= rows.length) return null;
      return [{type: 'rect', xref: 'paper', x0: 0, x1: 1, yref: 'y', y0: at - 0.5, y1: at + 0.5,
        line: {color: '#d62728', width: 3}}];
    });
    return [written[at], choices(data, at), at];
  };

  // One layer's and head's map shown large in figure `figure`, its numbers from the page: the figure's own list
  // (`layout.meta.maps[layer][head + shift]`) or else the every-head grid `grid` (its maps in reading order); its
  // title from the figure's list (`layout.meta.titles`, in the reader's language); the map is trace
  // `layout.meta.trace` (0 unless said). `shift`: 1 where a head of -1 (the mean of heads) comes first, else 0.
  const wantedMaps = {};
  const pick = (figure, grid, shift, layer, head) => {
    wantedMaps[figure] = [layer, head + shift];
    let tries = 0;
    const attempt = () => {
      const [row, column] = wantedMaps[figure];
      const big = plotIn(figure), small = grid ? plotIn(grid) : null;
      const meta = big && big.layout && big.layout.meta, cells = small && small.layout && small.layout.meta;
      const ready = meta && meta.titles && big.s2sLayout && window.Plotly && (meta.maps || (cells && cells.columns));
      if (!ready) {
        if (tries++ < 600) requestAnimationFrame(attempt);
        return;
      }
      const z = meta.maps ? (meta.maps[row] || [])[column]
        : (row < cells.rows && column < cells.columns ? (small.data[row * cells.columns + column] || {}).z : null);
      const title = (meta.titles[row] || [])[column];
      if (!z || title === undefined) return;
      const trace = meta.trace || 0;
      if (big.data[trace] && big.data[trace].z === z) return;
      const data = big.data.map((t, i) => (i === trace ? {...t, z} : t));
      window.Plotly.react(big, data, {...big.s2sLayout, title: {...(big.s2sLayout.title || {}), text: title}});
    };
    attempt();
    return [];
  };

  // A heatmap's numbers as rows: plotly's own arrays, or the packed form figures arrive in ({dtype, bdata, shape}),
  // unpacked once per figure.
  const ARRAYS = {f8: Float64Array, f4: Float32Array, i4: Int32Array, i2: Int16Array, i1: Int8Array,
    u4: Uint32Array, u2: Uint16Array, u1: Uint8Array};
  const unpacked = new WeakMap();
  const rowsOf = (z) => {
    if (!z || typeof z !== 'object') return [];
    if (!z.bdata) return Array.from(z);
    if (!unpacked.has(z)) {
      const bytes = Uint8Array.from(atob(z.bdata), (c) => c.charCodeAt(0));
      const flat = new (ARRAYS[z.dtype] || Float64Array)(bytes.buffer);
      const [rows, columns] = String(z.shape).split(',').map(Number);
      unpacked.set(z, Array.from({length: rows}, (_, r) => flat.subarray(r * columns, (r + 1) * columns)));
    }
    return unpacked.get(z);
  };

  // One unit followed over the sentence (figure `figure`): its column of each state's heatmap the page holds (the
  // figure's `layout.meta.sources`: the element of each trace's heatmap), its title from `layout.meta.title`.
  const unit = (figure, chosen) => {
    const plot = plotIn(figure), meta = plot && plot.layout && plot.layout.meta;
    const at = Math.round(Number(chosen));
    if (!meta || !meta.sources || !plot.s2sLayout || !window.Plotly || !(at >= 0)) return [];
    const data = plot.data.map((trace, i) => {
      const source = plotIn(meta.sources[i] || '');
      const rows = source && source.data && source.data[0] ? rowsOf(source.data[0].z) : [];
      if (!rows.length || at >= rows[0].length) return trace;
      return {...trace, y: rows.map((row) => row[at]), name: String(trace.name).replace(/\[\d+\]$/, `[${at}]`)};
    });
    const title = String(meta.title || '').replace('{}', String(at));
    window.Plotly.react(plot, data, {...plot.s2sLayout, title: {...(plot.s2sLayout.title || {}), text: title}});
    return [];
  };

  // The paper's sinusoidal positional encoding, PE(pos, 2k) = sin(pos / 10000^(2k/d)), PE(pos, 2k+1) =
  // cos(pos / 10000^(2k/d)), drawn here for every length and width (the server draws the first; the formula is
  // ``models.transformer.sinusoidal_encoding``, and a browser test holds the two equal).
  const encoding = (figure, length, width) => {
    const plot = plotIn(figure);
    length = Math.round(Number(length)); width = Math.round(Number(width));
    if (!plot || !plot.s2sLayout || !window.Plotly || !(length > 0 && width > 0)) return [];
    const z = Array.from({length}, (_, pos) => Array.from({length: width}, (_, i) => {
      const angle = pos / Math.pow(10000, (2 * Math.floor(i / 2)) / width);
      return i % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }));
    window.Plotly.react(plot, [{...plot.data[0], z}], plot.s2sLayout);
    return [];
  };

  // A view the server computes and the page draws: the page calls the view's public endpoint itself (one request,
  // answered through the same queue, as the same visitor, in the reader's language) and draws each figure into the
  // figure already on the page (plotly redraws only what changed), where Gradio's own event would have replaced
  // every figure by a new one and updated the status of every component of the page on each step of the call.
  // `figures`: the elements of the endpoint's first values; the rest are returned for the fields the event fills.
  // A change that a later one overtakes is not drawn. A refusal is returned in place of the last value (the view's
  // notice).
  const pageSession = Math.random().toString(36).slice(2, 14);
  const tickets = {};
  const call = async (endpoint, args) => {
    const ticket = (tickets[endpoint] = (tickets[endpoint] || 0) + 1);
    const root = String((window.gradio_config && window.gradio_config.root) || location.pathname).replace(/\/$/, '');
    let stream;
    try {
      const posted = await fetch(`${root}/gradio_api/call/${endpoint}`, {
        method: 'POST', headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({data: args, session_hash: pageSession}),
      });
      const {event_id: id} = await posted.json();
      stream = await (await fetch(`${root}/gradio_api/call/${endpoint}/${id}`)).text();
    } catch (error) {
      return {away: true};  // the server is away: Gradio's own notice of a lost connection says so
    }
    if (ticket !== tickets[endpoint]) return {overtaken: true};
    const event = (name) => {
      const found = stream.match(new RegExp(`event: ${name}\\ndata: (.*)`));
      return found ? JSON.parse(found[1]) : undefined;
    };
    const values = event('complete');
    if (Array.isArray(values)) return {values};
    const said = event('error');  // {error: the refusal's words} (a string in older servers)
    const words = said && typeof said === 'object' ? said.error : said;
    return {refused: typeof words === 'string' && words ? words : 'This view could not be computed.'};
  };
  // A figure value (as an endpoint sends it) drawn into the figure on the page (element `id`); false where there is
  // none to draw into. An unchanged figure is left as it is.
  const drawInto = (id, value) => {
    const plot = plotIn(id);
    if (!plot || !window.Plotly || !value || !value.plot) return false;
    const figure = JSON.parse(value.plot);
    if (sentForm(figure.data, figure.layout) !== plot.s2sSent) {
      window.Plotly.react(plot, figure.data, {...figure.layout, autosize: true});  // sized as Gradio sizes it
    }
    return true;
  };
  const served = async (endpoint, args, figures, rest) => {
    const keep = Array.from({length: rest}, () => ({__type__: 'update'}));
    const {values, refused} = await call(endpoint, args);
    if (refused) keep[rest - 1] = `**${refused}**`;
    if (!values) return keep;
    figures.forEach((id, i) => drawInto(id, values[i]));
    return values.slice(figures.length, figures.length + rest);
  };

  // A new sentence (Enter, or the Translate button): `/translate_for_page` computes it, the page draws its heatmap
  // into the one it shows and returns the other fields' values (the heatmap's own where there is none on the page
  // yet, or none now: a model without attention). A refusal changes the last value (`translate-asked`), whose
  // change asks through Gradio's event, which shows why.
  const translate = async (...settings) => {
    const keep = Array.from({length: 9}, () => ({__type__: 'update'}));
    const {values, refused} = await call('translate_for_page', settings);
    if (refused) keep[8] = Date.now();
    if (!values) return keep;
    const [figure, ...fields] = values;
    return [drawInto('translate-heatmap', figure) ? {__type__: 'update'} : figure, ...fields, {__type__: 'update'}];
  };

  // The what-if's choices at `step` (the runner-up chosen: the one it nearly wrote), from the numbers the translation
  // sent (`data.choices`): for the replay's step, and for a step typed in.
  const choices = (data, step) => {
    const all = (data && data.choices) || [];
    const at = Math.round(Number(step));
    const here = (at >= 0 && all[at]) || [];
    return {__type__: 'update', choices: here, value: here.length ? here[Math.min(1, here.length - 1)][1] : null};
  };

  // Multi-head attention's live controls: the view through `/mha`, its head slider spanning the heads there are (a
  // head beyond them moves to the last), returned with the table and the notice.
  const mha = async (text, heads, keySize, head, causal, seed, valueSize) => {
    const last = Math.max(Math.round(Number(heads)) - 1, 0);
    const shown = Math.min(Math.round(Number(head)) || 0, last);
    const figures = ['mha-scores', 'mha-scaled', 'mha-softmax', 'mha-weighted-values'];
    const [table, notice] = await served('mha', [text, heads, keySize, shown, causal, seed, valueSize], figures, 2);
    return [table, notice, {__type__: 'update', maximum: Math.max(last, 1), interactive: last > 0, value: shown}];
  };

  // The ViT's rollout settings, for a test image: the rollout figure through `/vit_rollout`, drawn into the one on
  // the page. Any other input (a drawing or an upload, which Gradio's event sends as files), or a refusal, changes
  // the returned value (`vit-rollout-asked`), whose change asks through Gradio's event.
  const rollout = async (model, sketch, upload, index, source, block, head, fusion, discard) => {
    const ask = [Date.now()];
    if (source !== 'test image') return ask;
    const [said] = await served('vit_rollout', [model, null, null, index, source, block, head, fusion, discard],
      ['vit-rollout'], 1);
    return typeof said === 'string' ? ask : [{__type__: 'update'}];
  };

  // What a view's export writes: each figure as the page shows it now (the re-views above change figures in the
  // page only), each other value as Gradio holds it.
  const shown = (ids, ...values) => values.map((value, i) => {
    const plot = ids[i] && plotIn(ids[i]);
    if (!plot || !plot.data || !value || value.type !== 'plotly') return value;
    const layout = {...(plot.s2sLayout || {}), shapes: plot.layout.shapes || []};
    try {
      return {...value, plot: JSON.stringify({data: plot.data, layout})};
    } catch (error) {
      return value;
    }
  });

  // The lesson's previous and next stop, in the page (quick clicks add up): the stop `delta` away, within 1..`last`.
  const turn = (delta, last, at) => Math.min(last, Math.max(1, Math.round(Number(at) || 1) + delta));

  window.s2s = {
    pageUrl, projector, frame, replay, pick, encoding, unit, served, mha, rollout, translate, choices, shown, turn,
    rows: rowsOf,
  };
})();
