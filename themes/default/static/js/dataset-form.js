/* Data-item rows: add and remove without a round trip (the "More rows" button does
   the same without script); conditions become required with the type that needs them. */
(function () {
  "use strict";
  var editor = document.getElementById("data-items-editor");
  if (editor) {
    var body = editor.querySelector("tbody");
    var renumber = function () {
      body.querySelectorAll("tr").forEach(function (row, i) {
        row.querySelectorAll("[name^='data_items-']").forEach(function (input) {
          input.name = input.name.replace(/^data_items-\d+-/, "data_items-" + i + "-");
        });
      });
    };
    var wire = function (row) {
      var remove = row.querySelector(".remove-row");
      remove.hidden = false;
      remove.addEventListener("click", function () {
        if (body.rows.length > 1) { row.remove(); renumber(); }
        else { row.querySelectorAll("input[type=text]").forEach(function (i) { i.value = ""; }); }
      });
    };
    body.querySelectorAll("tr").forEach(wire);
    var more = editor.querySelector("[name=more_rows]");
    more.addEventListener("click", function (event) {
      event.preventDefault();
      var row = body.rows[body.rows.length - 1].cloneNode(true);
      row.querySelectorAll("input[type=text]").forEach(function (i) { i.value = ""; });
      row.querySelectorAll("input[type=checkbox]").forEach(function (i) { i.checked = false; });
      row.querySelector("select").selectedIndex = 0;
      body.appendChild(row);
      renumber();
      wire(row);
      row.querySelector("input").focus();
    });
  }
  var needs = {
    legal_basis: function (v) { return v.share_type !== "unconditional"; },
    share_condition: function (v) { return v.share_type === "conditional"; },
    open_condition: function (v) { return v.open_type === "conditional"; }
  };
  var sync = function () {
    var v = {};
    ["share_type", "open_type"].forEach(function (n) {
      var el = document.getElementById("f-" + n);
      v[n] = el ? el.value : "";
    });
    Object.keys(needs).forEach(function (n) {
      var el = document.getElementById("f-" + n);
      if (el) { el.required = needs[n](v); }
    });
  };
  ["share_type", "open_type"].forEach(function (n) {
    var el = document.getElementById("f-" + n);
    if (el) { el.addEventListener("change", sync); }
  });
  sync();
})();
