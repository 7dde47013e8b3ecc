// TinyMLOps console: draws the charts whose data the server embedded (JSON, escaped by System.Text.Json) with uPlot,
// and refreshes the parts marked data-refresh by fetching the same page again. No framework, no build step.
(function () {
  "use strict";
  var palette = ["#0b5cad", "#c2410c", "#17663a", "#7c3aed", "#b3261e", "#0f766e"];

  function draw(script) {
    var id = script.getAttribute("data-chart");
    var target = document.getElementById(id);
    if (!target || typeof uPlot === "undefined") { return; }
    var spec = JSON.parse(script.textContent);
    var bars = spec.kind === "bars";
    var data = [spec.x].concat(spec.series.map(function (s) { return s.values; }));
    var series = [{ label: spec.xLabel }].concat(spec.series.map(function (s, i) {
      var colour = palette[i % palette.length];
      var one = { label: s.label, stroke: colour, width: 2, spanGaps: false };
      if (bars) {
        one.fill = colour;
        // Two series stand side by side (one left of the tick, one right); one series is centred.
        one.paths = uPlot.paths.bars({ size: [spec.series.length > 1 ? 0.4 : 0.6, 60], align: spec.series.length > 1 ? (i === 0 ? -1 : 1) : 0 });
        one.points = { show: false };
      }
      return one;
    }));
    var x = bars
      ? { space: 30, rotate: spec.x.length > 5 ? -30 : 0, size: spec.x.length > 5 ? 70 : 40, values: function (u, ticks) { return ticks.map(function (t) { return spec.categories[t] !== undefined && Number.isInteger(t) ? spec.categories[t] : ""; }); }, incrs: [1] }
      : {};
    var opts = {
      width: Math.max(280, target.clientWidth || 560),
      height: 220,
      scales: { x: bars ? { time: false, range: [-0.6, spec.x.length - 0.4] } : { time: true }, y: { range: function (u, min, max) { return [Math.min(0, min), max > 0 ? max * 1.1 : 1]; } } },
      axes: [x, { label: spec.yLabel, size: 56 }],
      series: series,
      legend: { live: !bars },
      // Times are shown in UTC, as the tables beside the charts are.
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"); },
    };
    if (spec.threshold !== undefined && spec.threshold !== null) {
      opts.hooks = { draw: [function (u) {
        var y = u.valToPos(spec.threshold, "y", true);
        var ctx = u.ctx; ctx.save(); ctx.strokeStyle = "#b3261e"; ctx.setLineDash([6, 4]); ctx.lineWidth = 1.5;
        ctx.beginPath(); ctx.moveTo(u.bbox.left, y); ctx.lineTo(u.bbox.left + u.bbox.width, y); ctx.stroke(); ctx.restore();
      }] };
    }
    target.innerHTML = "";
    new uPlot(opts, data, target);
  }

  function drawAll(root) {
    Array.prototype.forEach.call(root.querySelectorAll("script[data-chart]"), draw);
  }

  // A region marked data-refresh="SECONDS" is replaced by the same region of a fresh copy of the page.
  function poll(region) {
    var seconds = parseInt(region.getAttribute("data-refresh"), 10) || 5;
    setTimeout(function tick() {
      fetch(location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(region.id);
          if (fresh) {
            region.innerHTML = fresh.innerHTML;
            drawAll(region);
            if (fresh.getAttribute("data-refresh")) { setTimeout(tick, seconds * 1000); }
          }
        })
        .catch(function () { setTimeout(tick, seconds * 4000); });
    }, seconds * 1000);
  }

  function start() {
    drawAll(document);
    Array.prototype.forEach.call(document.querySelectorAll("[data-refresh][id]"), poll);
    Array.prototype.forEach.call(document.querySelectorAll("form[data-confirm]"), function (f) {
      f.addEventListener("submit", function (e) { if (!window.confirm(f.getAttribute("data-confirm"))) { e.preventDefault(); } });
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
