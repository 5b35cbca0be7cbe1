/* A status board: columns of cards that move by drag and drop, or by a labelled menu on each
 * card for keyboard and screen-reader users. `move(card, status)` saves the change. */
"use strict";

window.KairosBoard = function (root, statuses, cards, opts) {
  const K = window.Kairos;
  const h = K.h;
  K.clear(root);
  const lists = {};
  for (const status of statuses) {
    const list = h("ul", { "aria-label": status });
    const column = h("section", { class: "column", "data-status": status }, h("h3", { text: status + " " }), list);
    column.addEventListener("dragover", (e) => {
      e.preventDefault();
      column.classList.add("drop");
    });
    column.addEventListener("dragleave", () => column.classList.remove("drop"));
    column.addEventListener("drop", (e) => {
      e.preventDefault();
      column.classList.remove("drop");
      const id = e.dataTransfer.getData("text/plain");
      const card = cards.find((c) => String(c.id) === id);
      if (card && card.status !== status) move(card, status);
    });
    lists[status] = list;
    root.append(column);
  }

  async function move(card, status) {
    const before = card.status;
    try {
      await opts.move(card, status);
      card.status = status;
      K.announce(opts.title(card) + " moved to " + status);
    } catch (err) {
      card.status = before;
      K.showError(err);
    }
    draw();
  }

  function tile(card) {
    const select = h("select", { "aria-label": "Status of " + opts.title(card) },
      statuses.map((s) => h("option", { value: s, text: s, selected: s === card.status })));
    select.addEventListener("change", () => move(card, select.value));
    const li = h("li", { class: "tile", draggable: "true", "data-id": String(card.id) },
      h("div", {}, opts.render ? opts.render(card) : opts.title(card)), select);
    li.addEventListener("dragstart", (e) => e.dataTransfer.setData("text/plain", String(card.id)));
    return li;
  }

  function draw() {
    for (const status of statuses) K.clear(lists[status]);
    for (const card of cards) {
      const list = lists[card.status];
      if (list) list.append(tile(card));
    }
    for (const status of statuses) {
      const count = cards.filter((c) => c.status === status).length;
      lists[status].previousSibling.textContent = status + " (" + count + ")";
    }
  }

  draw();
  return { draw };
};
