// Long and wide tables (class imetbook-interactive, see imetbook.chapters.tables) become sortable,
// searchable and paged. DataTables comes from the itables bundle copied once into _static.
import { ITable } from "./dt_bundle.js";

const OPTIONS = {
  pageLength: 10,
  lengthMenu: [10, 25, 50, 100, -1],
  order: [],  // keep the book's order until a reader sorts
  autoWidth: false,
  layout: { topStart: "pageLength", topEnd: "search", bottomStart: "info", bottomEnd: "paging" },
  language: { search: "Search this table:" },
};

for (const table of document.querySelectorAll("table.imetbook-interactive:not(.dataTable)")) {
  new ITable(table, { ...OPTIONS });
}
