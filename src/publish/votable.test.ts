import { test } from "node:test";
import assert from "node:assert/strict";
import { parseObsCoreTable } from "../archive/obscore.js";
import { votableText } from "./votable.js";

test("a VOTable written here reads back through the project's reader, markup and nulls included", () => {
  const text = votableText({
    fields: [
      { name: "name", datatype: "char", arraysize: "*", ucd: "meta.id" },
      { name: "flux", datatype: "double", unit: "Jy" },
      { name: "n", datatype: "long" },
      { name: "ok", datatype: "boolean" },
    ],
    rows: [
      ["<b>&\"x\"</b>", 1.5, 3, true],
      [null, Number.NaN, null, false],
    ],
  });
  assert.match(text, /<TD>&lt;b&gt;&amp;&quot;x&quot;&lt;\/b&gt;<\/TD>/);
  const table = parseObsCoreTable(text, "t.xml", "votable");
  assert.deepEqual(table.columns, ["name", "flux", "n", "ok"]);
  assert.deepEqual(
    table.rows.map((r) => r.cells),
    [
      ['<b>&"x"</b>', "1.5", "3", "T"],
      ["", "NaN", "", "F"],
    ],
  );
  assert.throws(() => votableText({ fields: [{ name: "n", datatype: "int" }], rows: [[1.5]] }), /not an integer/);
});
