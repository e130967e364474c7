// The query UI: YASGUI against this server's /sparql, with the library's named queries in a picker.
// Configuration comes from the page (#query-config); no inline script (CSP).
(function () {
  "use strict";
  var configEl = document.getElementById("query-config");
  var root = document.getElementById("yasgui");
  if (!configEl || !root || typeof Yasgui !== "function") return;
  var config = JSON.parse(configEl.textContent);
  var endpoint = new URL(config.endpoint, window.location.href).href;
  var byId = {};
  config.queries.forEach(function (q) { byId[q.id] = q; });
  var first = config.queries.length ? config.queries[0] : null;
  // the default autocompleters ask prefix.cc and LOV over the network (blocked by this page's
  // Content-Security-Policy): keep the local one only. Set on the defaults, which YASGUI merges into.
  Yasgui.Yasqe.defaults.autocompleters = ["variables"];
  if (Yasgui.defaults && Yasgui.defaults.yasqe) Yasgui.defaults.yasqe.autocompleters = ["variables"];
  var yasgui = new Yasgui(root, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    persistenceId: "policykg-query",
    populateFromUrl: false,
    autofocus: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; }, keys: [] },
    yasqe: { value: first ? first.text : "" },
    tabName: first ? first.id : "Query"
  });
  window.policykgYasgui = yasgui;
  function open(id) {
    var q = byId[id];
    if (!q) return;
    var tab = yasgui.addTab(true, { name: q.id, yasqe: { value: q.text }, requestConfig: { endpoint: endpoint } });
    tab.show();
    var yasqe = tab.getYasqe && tab.getYasqe();
    if (yasqe && yasqe.getValue() !== q.text) yasqe.setValue(q.text);
  }
  var picker = document.getElementById("query-picker");
  picker.addEventListener("submit", function (e) {
    e.preventDefault();
    open(document.getElementById("named-query").value);
  });
  document.getElementById("named-query").addEventListener("change", function (e) { open(e.target.value); });
})();
