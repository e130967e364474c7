// The network view: cytoscape over the JSON the page carries (#network-data). No inline script (CSP).
(function () {
  "use strict";
  var dataEl = document.getElementById("network-data");
  var container = document.getElementById("network");
  if (!dataEl || !container || typeof cytoscape !== "function") return;
  var data = JSON.parse(dataEl.textContent);
  var colours = { document: "#1f5fa8", article: "#2f8f5b", agency: "#8a4b00", measure: "#7a8a99" };
  var style = [
    { selector: "node", style: {
        "label": "data(label)", "font-size": 11, "text-wrap": "ellipsis", "text-max-width": 140,
        "background-color": function (n) { return colours[n.data("kind")] || "#5b6673"; },
        "width": 18, "height": 18, "color": "#1d232b", "text-valign": "bottom", "text-margin-y": 3 } },
    { selector: "node[articles]", style: {
        "width": "mapData(articles, 0, 30, 14, 46)", "height": "mapData(articles, 0, 30, 14, 46)" } },
    { selector: "edge", style: {
        "width": 1.5, "line-color": "#b8c2cc", "curve-style": "bezier",
        "target-arrow-shape": "triangle", "target-arrow-color": "#b8c2cc", "arrow-scale": 0.8 } },
    { selector: "edge[weight]", style: {
        "width": "mapData(weight, 1, 20, 1, 9)", "target-arrow-shape": "none", "opacity": 0.7 } },
    { selector: "edge[relation = 'eli:transposes']", style: { "line-style": "dashed" } },
    { selector: "edge[relation = 'pk:restates']", style: { "line-style": "dotted" } },
    { selector: ":selected", style: { "border-width": 3, "border-color": "#ffb000" } }
  ];
  var cy = null;
  function show(view) {
    if (cy) cy.destroy();
    var part = data[view];
    cy = cytoscape({
      container: container,
      elements: part.nodes.concat(part.edges),
      style: style,
      layout: { name: "cose", animate: false, randomize: false, nodeRepulsion: function () { return 400000; },
                idealEdgeLength: function () { return 140; }, nodeOverlap: 40, gravity: 0.2, numIter: 2500,
                componentSpacing: 120, padding: 30 },
      wheelSensitivity: 0.3
    });
    cy.on("tap", "node", function (evt) {
      var href = evt.target.data("href");
      if (href) window.location.href = href;
    });
    container.setAttribute("data-view", view);
    container.setAttribute("data-nodes", String(part.nodes.length));
    var buttons = document.querySelectorAll(".network-controls button");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].classList.toggle("active", buttons[i].getAttribute("data-view") === view);
    }
    window.policykgNetwork = cy;
  }
  var controls = document.querySelectorAll(".network-controls button");
  for (var i = 0; i < controls.length; i++) {
    controls[i].addEventListener("click", function (e) { show(e.currentTarget.getAttribute("data-view")); });
  }
  show(window.location.hash === "#agencies" ? "agencies" : "citations");
})();
