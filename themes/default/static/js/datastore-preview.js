/* Shuyuan: the preview of a resource's datastore table on the dataset page.
 *
 * Each [data-datastore-preview] box asks this site's datastore_search action
 * (same origin, the Action API) for one page of rows: limit and offset page
 * through the table, clicking a column header sorts by it (again: the other
 * way). Cells are written with textContent only, never as HTML. The page's
 * translated texts come from the #datastore-preview-text JSON block.
 */
(function () {
  "use strict";

  var textBlock = document.getElementById("datastore-preview-text");
  var TEXT = textBlock ? JSON.parse(textBlock.textContent) : {};
  var NUMERIC = { integer: true, numeric: true };

  function say(key) { return TEXT[key] || key; }

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_m, key) { return String(values[key]); });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  // CKAN's sort syntax: "field asc"; quoting keeps spaces and commas in Chinese headers intact.
  function sortParam(field, descending) {
    return '"' + field.replace(/"/g, '""') + '" ' + (descending ? "desc" : "asc");
  }

  function Preview(box) {
    this.box = box;
    this.api = box.getAttribute("data-api");
    this.resourceId = box.getAttribute("data-resource-id");
    this.limit = parseInt(box.getAttribute("data-page-size"), 10) || 10;
    this.offset = 0;
    this.sortField = null;
    this.descending = false;
    this.total = null;
    this.status = box.querySelector(".preview-status");
    this.table = box.querySelector(".preview-table");
    this.pager = this.buildPager();
    this.load();
  }

  Preview.prototype.buildPager = function () {
    var self = this;
    var pager = el("div", "preview-pager");
    this.previous = el("button", "secondary preview-previous", say("previous"));
    this.next = el("button", "secondary preview-next", say("next"));
    this.range = el("span", "preview-range muted");
    this.previous.type = this.next.type = "button";
    this.previous.addEventListener("click", function () { self.go(self.offset - self.limit); });
    this.next.addEventListener("click", function () { self.go(self.offset + self.limit); });
    pager.appendChild(this.previous);
    pager.appendChild(this.range);
    pager.appendChild(this.next);
    pager.hidden = true;
    this.box.appendChild(pager);
    return pager;
  };

  Preview.prototype.url = function () {
    var params = [
      "resource_id=" + encodeURIComponent(this.resourceId),
      "limit=" + this.limit,
      "offset=" + this.offset,
      "include_total=true"
    ];
    if (this.sortField !== null) {
      params.push("sort=" + encodeURIComponent(sortParam(this.sortField, this.descending)));
    }
    return this.api + "?" + params.join("&");
  };

  Preview.prototype.go = function (offset) {
    this.offset = Math.max(0, offset);
    this.load();
  };

  Preview.prototype.sortBy = function (field) {
    this.descending = this.sortField === field ? !this.descending : false;
    this.sortField = field;
    this.offset = 0;
    this.load();
  };

  Preview.prototype.load = function () {
    var self = this;
    this.box.setAttribute("aria-busy", "true");
    this.status.className = "preview-status muted";
    this.status.textContent = say("loading");
    this.status.hidden = false;
    fetch(this.url(), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (body) {
        if (!body || !body.success) { throw new Error((body && body.error && body.error.message) || "error"); }
        self.render(body.result);
      })
      .catch(function (error) {
        self.status.className = "preview-status error";
        self.status.textContent = say("failed") + (error && error.message ? " (" + error.message + ")" : "");
      })
      .then(function () { self.box.removeAttribute("aria-busy"); });
  };

  Preview.prototype.header = function (fields) {
    var self = this;
    var row = el("tr");
    fields.forEach(function (field) {
      var th = el("th");
      th.setAttribute("scope", "col");
      th.setAttribute("data-field", field.id);
      if (self.sortField === field.id) {
        th.setAttribute("aria-sort", self.descending ? "descending" : "ascending");
      }
      var button = el("button", "sort", field.id);
      button.type = "button";
      button.title = say("sort");
      button.appendChild(el("span", "type", (TEXT.types || {})[field.type] || field.type));
      button.addEventListener("click", function () { self.sortBy(field.id); });
      th.appendChild(button);
      row.appendChild(th);
    });
    var thead = el("thead");
    thead.appendChild(row);
    return thead;
  };

  Preview.prototype.body = function (fields, records) {
    var tbody = el("tbody");
    records.forEach(function (record) {
      var row = el("tr");
      fields.forEach(function (field) {
        var value = record[field.id];
        var cell = el("td", NUMERIC[field.type] ? "num" : "", value === null || value === undefined ? "" : String(value));
        if (value === null || value === undefined) { cell.className += " null"; }
        row.appendChild(cell);
      });
      tbody.appendChild(row);
    });
    return tbody;
  };

  Preview.prototype.render = function (result) {
    var fields = (result.fields || []).filter(function (f) { return f.id !== "_id"; });
    var records = result.records || [];
    this.total = typeof result.total === "number" ? result.total : null;
    this.table.textContent = "";
    this.table.appendChild(this.header(fields));
    this.table.appendChild(this.body(fields, records));
    if (!records.length && this.offset === 0) {
      this.status.textContent = say("empty");
      this.pager.hidden = true;
      return;
    }
    this.status.hidden = true;
    var first = this.offset + 1;
    var last = this.offset + records.length;
    this.range.textContent = format(say("rows"), {
      first: first, last: last, total: this.total === null ? "?" : this.total
    });
    this.previous.disabled = this.offset === 0;
    this.next.disabled = this.total !== null ? last >= this.total : records.length < this.limit;
    this.pager.hidden = false;
  };

  function addCopyButton(pre) {
    if (!navigator.clipboard) { return; }
    var button = el("button", "copy-button", say("copy"));
    button.type = "button";
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(pre.querySelector("code").textContent).then(function () {
        button.textContent = say("copied");
        setTimeout(function () { button.textContent = say("copy"); }, 1500);
      });
    });
    pre.appendChild(button);
  }

  document.querySelectorAll("[data-datastore-preview]").forEach(function (box) { new Preview(box); });
  document.querySelectorAll("pre[data-copy]").forEach(addCopyButton);
})();
