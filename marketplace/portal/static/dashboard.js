// The dashboard's charts: each <canvas data-chart="ID"> is drawn by Chart.js from the JSON data
// block <script type="application/json" id="ID"> (a data block, not a script: the CSP allows no
// inline script). Colours come from a palette readable with colour-blindness (Okabe-Ito), lines
// differ by dash and point too, and every chart's numbers are in the table beside it.
(function () {
  "use strict";
  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
    "#000000"];
  var DASHES = [[], [6, 4], [2, 3], [10, 3, 2, 3]];
  var POINTS = ["circle", "rect", "triangle", "rectRot", "crossRot", "star"];

  function colour(i) {
    return PALETTE[i % PALETTE.length];
  }

  function dataset(spec, d, i) {
    var set = { label: d.label, data: d.data };
    if (spec.type === "doughnut") {
      set.backgroundColor = d.data.map(function (_, j) { return colour(j); });
      set.borderColor = "#ffffff";
    } else if (spec.type === "line") {
      set.borderColor = colour(i);
      set.backgroundColor = colour(i);
      set.borderDash = DASHES[i % DASHES.length];
      set.pointStyle = POINTS[i % POINTS.length];
      set.pointRadius = 4;
    } else {
      set.backgroundColor = colour(i);
      set.borderColor = "#ffffff";
      set.borderWidth = 1;
    }
    return set;
  }

  function draw(canvas) {
    var block = document.getElementById(canvas.getAttribute("data-chart"));
    if (!block || typeof Chart === "undefined") {
      return;
    }
    var spec = JSON.parse(block.textContent);
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      indexAxis: spec.horizontal ? "y" : "x",
      plugins: { legend: { position: "bottom", labels: { usePointStyle: spec.type === "line" } } }
    };
    if (spec.type !== "doughnut") {
      options.scales = {
        x: { stacked: spec.stacked, beginAtZero: true },
        y: { stacked: spec.stacked, beginAtZero: true }
      };
    }
    var datasets = spec.datasets.map(function (d, i) { return dataset(spec, d, i); });
    // Kept on the element, so a test (or a reader's console) can find the drawn chart.
    canvas.chart = new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: options
    });
  }

  function drawAll() {
    var canvases = document.querySelectorAll("canvas[data-chart]");
    for (var i = 0; i < canvases.length; i += 1) {
      draw(canvases[i]);
    }
  }

  // A link to a unit's drill-down (#assess-…) opens its <details> (without a script, its
  // summary opens it).
  function openTarget() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id ? document.getElementById(id) : null;
    if (target && target.tagName === "DETAILS") {
      target.open = true;
    }
  }

  function start() {
    drawAll();
    openTarget();
  }

  window.addEventListener("hashchange", openTarget);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
