import { test } from "node:test";
import assert from "node:assert/strict";
import { html, queryString, raw } from "./html.js";

test("interpolated text is escaped, nested templates and raw markup are not", () => {
  const name = `<script>alert("x")</script> & 'q'`;
  const inner = html`<b>${name}</b>`;
  assert.equal(
    html`<p title="${name}">${inner}${raw("<hr>")}${[1, "<", null, undefined, false]}</p>`.text,
    `<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;"><b>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;</b><hr>1&lt;</p>`,
  );
});

test("query strings leave out empty parameters and encode the rest", () => {
  assert.equal(queryString({ state: "failed", q: "", page: 2, sort: undefined, s: "a&b" }), "?state=failed&page=2&s=a%26b");
  assert.equal(queryString({}), "");
});
