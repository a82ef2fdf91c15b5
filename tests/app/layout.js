// What a class would see as broken in the figures of the tab on screen, measured from the page's own boxes:
// legend entries over each other or over the plot, a title past its figure's edge or under Gradio's label, a grid's
// subtitle over another map's labels, tick labels too small or over each other, a plot area squeezed to a sliver, a
// tab's label cut. Returns one sentence per defect (empty: clean). Used by tests/app/test_browser.py.
(tab) => {
  const MIN_PLOT = 100;  // px: the narrowest plot area a figure may have
  const MIN_FONT = 9;    // px: the smallest text a figure may use
  const found = [];
  const box = (e) => e.getBoundingClientRect();
  const seen = (r) => r.width > 0.5 && r.height > 0.5;
  const overlap = (a, b, slack = 1) =>
    Math.min(a.right, b.right) - Math.max(a.left, b.left) > slack &&
    Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > slack;
  const texts = (plot, selector) =>
    Array.from(plot.querySelectorAll(selector)).filter((e) => seen(box(e)) && (e.textContent || '').trim());
  const root = document.querySelector(`#tab-${tab}`) || document;
  const plots = Array.from(root.querySelectorAll('.js-plotly-plot')).filter((p) => p.offsetParent && seen(box(p)));
  for (const plot of plots) {
    const block = plot.closest('.block');
    const name = (block && block.id) || (plot.layout && plot.layout.title && plot.layout.title.text) || 'a figure';
    const figure = box(plot.querySelector('.main-svg') || plot);
    const say = (what) => found.push(`${name}: ${what}`);
    const areas = Array.from(plot.querySelectorAll('.draglayer .nsewdrag')).map(box).filter(seen);
    areas.forEach((a) => { if (a.width < MIN_PLOT) say(`a plot area ${Math.round(a.width)} px wide`); });
    // the legend: entries apart, and off the plot areas and the axes' labels
    const entries = texts(plot, '.legend .traces');
    for (let i = 0; i < entries.length; i++) {
      for (let j = i + 1; j < entries.length; j++) {
        if (overlap(box(entries[i]), box(entries[j]))) say(`legend entries "${entries[i].textContent}" and "${entries[j].textContent}" overlap`);
      }
      const entry = box(entries[i]);
      if (areas.some((a) => overlap(a, entry, 2))) say(`legend entry "${entries[i].textContent}" over the plot`);
      const labels = texts(plot, '.xtick text, .ytick text, .g-xtitle text, .g-ytitle text, .gtitle');
      const under = labels.find((l) => overlap(box(l), entry, 2));
      if (under) say(`legend entry "${entries[i].textContent}" over "${under.textContent}"`);
      if (entry.bottom > figure.bottom + 1) say(`legend entry "${entries[i].textContent}" below the figure's edge`);
      if (entry.right > figure.right + 1 || entry.left < figure.left - 1) say(`legend entry "${entries[i].textContent}" past the figure's edge`);
    }
    // the title: inside the figure, not under Gradio's label of the block
    const label = block && block.querySelector('[data-testid=block-label]');
    for (const title of texts(plot, '.gtitle')) {
      const t = box(title);
      if (t.right > figure.right + 1 || t.left < figure.left - 1) say(`its title runs past the figure's edge`);
      if (t.top < figure.top - 1) say(`its title is cut at the figure's top`);
      if (label && label.offsetParent && overlap(box(label), t, 2)) say(`its title is under the block's label`);
      if (areas.some((a) => overlap(a, t, 2))) say(`its title is over the plot`);
    }
    // subtitles (annotations) apart from each other and from the axes' labels
    const notes = texts(plot, '.annotation-text');
    const labels = texts(plot, '.xtick text, .ytick text, .g-xtitle text, .g-ytitle text');
    for (let i = 0; i < notes.length; i++) {
      const n = box(notes[i]);
      const under = labels.find((l) => overlap(box(l), n, 2));
      if (under) say(`"${notes[i].textContent}" over the label "${under.textContent}"`);
      for (let j = i + 1; j < notes.length; j++) {
        if (overlap(n, box(notes[j]), 2)) say(`"${notes[i].textContent}" over "${notes[j].textContent}"`);
      }
      if (n.right > figure.right + 1 || n.left < figure.left - 1) say(`"${notes[i].textContent}" past the figure's edge`);
    }
    // tick labels readable: big enough, and not over each other on one axis
    for (const axis of plot.querySelectorAll('.xaxislayer-above, .yaxislayer-above')) {
      const ticks = Array.from(axis.querySelectorAll('text')).filter((e) => seen(box(e)) && e.textContent.trim());
      const small = ticks.find((e) => parseFloat(getComputedStyle(e).fontSize) < MIN_FONT);
      if (small) say(`tick labels of ${parseFloat(getComputedStyle(small).fontSize)} px`);
      for (let i = 1; i < ticks.length; i++) {
        if (overlap(box(ticks[i - 1]), box(ticks[i]), 1)) { say(`tick labels "${ticks[i - 1].textContent}" and "${ticks[i].textContent}" overlap`); break; }
      }
    }
  }
  // the tabs' labels whole
  for (const button of document.querySelectorAll('[role=tab]')) {
    if (!button.offsetParent) continue;
    const words = document.createRange();
    words.selectNodeContents(button);
    const drawn = words.getBoundingClientRect(), room = box(button);
    if (drawn.right > room.right + 1 || drawn.left < room.left - 1) found.push(`the tab "${button.textContent.trim()}" is cut`);
  }
  return found;
}
