/* GraphiQL for the fedra router: local assets, a headers editor, a query plan panel, and
   subscriptions over GraphQL over SSE (graphql-sse, distinct connections mode). */
(function () {
  "use strict";
  var h = React.createElement;
  var config = JSON.parse(document.getElementById("fedra-config").textContent);
  var PLAN_STORAGE_KEY = "fedra:include-query-plan";

  var planState = {
    enabled: config.queryPlanAvailable && window.localStorage.getItem(PLAN_STORAGE_KEY) === "true",
    plan: null,
    operationName: null,
    listeners: new Set(),
  };

  function notify() {
    planState.listeners.forEach(function (listener) { listener(); });
  }

  function setPlanEnabled(enabled) {
    planState.enabled = enabled;
    window.localStorage.setItem(PLAN_STORAGE_KEY, enabled ? "true" : "false");
    notify();
  }

  // The JSON payloads of a multipart/mixed response (@defer), each as soon as it is complete.
  async function* multipartPayloads(response) {
    var match = /boundary="?([^";,]+)"?/.exec(response.headers.get("content-type") || "");
    var delimiter = "\r\n--" + (match ? match[1] : "-");
    var reader = response.body.getReader();
    var decoder = new TextDecoder();
    var buffer = "";
    for (;;) {
      var read = await reader.read();
      if (read.done) return;
      buffer += decoder.decode(read.value, { stream: true });
      var pieces = buffer.split(delimiter);
      buffer = pieces.pop(); // not complete until the next delimiter arrives
      for (var i = 0; i < pieces.length; i++) {
        var body = pieces[i].indexOf("\r\n\r\n");
        if (body !== -1) yield JSON.parse(pieces[i].slice(body + 4));
      }
    }
  }

  function showPlan(result, params) {
    var extensions = (result && result.extensions) || {};
    planState.plan = extensions.queryPlan === undefined ? null : extensions.queryPlan;
    planState.operationName = params.operationName || null;
    notify();
  }

  // GraphiQL merges the payloads it is given one by one (initial, then incremental ones).
  async function* incremental(response, params) {
    var first = true;
    for await (var payload of multipartPayloads(response)) {
      if (first) showPlan(payload, params);
      first = false;
      yield payload;
    }
  }

  // Whether the operation GraphiQL runs is a subscription: the named one, else the first.
  function isSubscription(params) {
    var text = String(params.query || "").replace(/#[^\n\r]*/g, "");
    if (params.operationName) {
      var named = new RegExp("\\bsubscription\\s+" + params.operationName + "\\b");
      return named.test(text);
    }
    return /^\s*subscription\b/.test(text);
  }

  // A subscription's results as GraphiQL shows them: one per `next` event of the stream.
  async function* subscribe(params, options) {
    var headers = { "content-type": "application/json", accept: "text/event-stream" };
    Object.assign(headers, (options && options.headers) || {});
    var abort = new AbortController();
    try {
      var response = await fetch(config.endpoint, {
        method: "POST",
        headers: headers,
        body: JSON.stringify(params),
        credentials: "same-origin",
        signal: abort.signal,
      });
      var type = response.headers.get("content-type") || "";
      if (!response.ok || type.indexOf("text/event-stream") !== 0) {
        var text = await response.text();
        try {
          yield JSON.parse(text);
        } catch (error) {
          yield { errors: [{ message: "HTTP " + response.status + ": " + text }] };
        }
        return;
      }
      var reader = response.body.getReader();
      var decoder = new TextDecoder();
      var buffer = "";
      while (true) {
        var chunk = await reader.read();
        if (chunk.done) return;
        buffer += decoder.decode(chunk.value, { stream: true });
        var end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          var block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          var event = "message";
          var data = [];
          block.split("\n").forEach(function (line) {
            if (line.indexOf("event:") === 0) event = line.slice(6).trim();
            else if (line.indexOf("data:") === 0) data.push(line.slice(5).trim());
          });
          if (event === "complete") return;
          if (event === "next" && data.length) yield JSON.parse(data.join("\n"));
        }
      }
    } finally {
      abort.abort();
    }
  }

  async function fetcher(params, options) {
    if (isSubscription(params)) return subscribe(params, options);
    var headers = {
      "content-type": "application/json",
      accept:
        "application/graphql-response+json, application/json, multipart/mixed;deferSpec=20220824",
    };
    Object.assign(headers, (options && options.headers) || {});
    var isIntrospection = params.operationName === "IntrospectionQuery";
    if (planState.enabled && !isIntrospection) {
      headers[config.planHeader] = "true";
    }
    var response = await fetch(config.endpoint, {
      method: "POST",
      headers: headers,
      body: JSON.stringify(params),
      credentials: "same-origin",
    });
    if ((response.headers.get("content-type") || "").indexOf("multipart/mixed") === 0) {
      return incremental(response, params);
    }
    var text = await response.text();
    var result;
    try {
      result = JSON.parse(text);
    } catch (error) {
      return { errors: [{ message: "HTTP " + response.status + ": " + text }] };
    }
    if (!isIntrospection) showPlan(result, params);
    return result;
  }

  function planText(plan) {
    if (plan === null) return null;
    if (typeof plan === "string") return plan;
    if (plan && typeof plan.text === "string") return plan.text;
    return JSON.stringify(plan, null, 2);
  }

  function QueryPlanPanel() {
    var tick = React.useState(0);
    React.useEffect(function () {
      var listener = function () { tick[1](function (n) { return n + 1; }); };
      planState.listeners.add(listener);
      return function () { planState.listeners.delete(listener); };
    }, []);
    var text = planText(planState.plan);
    var hint;
    if (!config.queryPlanAvailable) {
      hint = "Query plans are not exposed by this router (set query_plan.enabled: true).";
    } else if (!planState.enabled) {
      hint = "Turn on the switch above, then run an operation to see its plan.";
    } else if (text === null) {
      hint = "Run an operation to see its plan.";
    }
    return h(
      "div",
      { className: "fedra-plan" },
      h("div", { className: "graphiql-doc-explorer-title" }, "Query plan"),
      h(
        "label",
        { className: "fedra-plan-toggle" },
        h("input", {
          type: "checkbox",
          "data-testid": "query-plan-toggle",
          checked: planState.enabled,
          disabled: !config.queryPlanAvailable,
          onChange: function (event) { setPlanEnabled(event.target.checked); },
        }),
        " Include the query plan (" + config.planHeader + ": true)"
      ),
      hint ? h("p", { className: "fedra-plan-hint" }, hint) : null,
      text !== null ? h("pre", { className: "fedra-plan-text", "data-testid": "query-plan" }, text) : null
    );
  }

  function PlanIcon() {
    return h(
      "svg",
      { viewBox: "0 0 24 24", fill: "none", stroke: "currentColor", strokeWidth: 1.5 },
      h("rect", { x: 3, y: 3, width: 7, height: 5, rx: 1 }),
      h("rect", { x: 14, y: 10, width: 7, height: 5, rx: 1 }),
      h("rect", { x: 3, y: 16, width: 7, height: 5, rx: 1 }),
      h("path", { d: "M6.5 8v8M6.5 12.5h7.5" })
    );
  }

  var queryPlanPlugin = { title: "Query plan", icon: PlanIcon, content: QueryPlanPanel };

  var search = new URLSearchParams(window.location.search);
  var props = {
    fetcher: fetcher,
    plugins: [queryPlanPlugin],
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: true,
    defaultEditorToolsVisibility: true,
  };
  if (search.has("query")) props.query = search.get("query");
  if (search.has("variables")) props.variables = search.get("variables");
  if (search.has("headers")) props.headers = search.get("headers");
  if (config.defaultQuery) props.defaultQuery = config.defaultQuery;
  if (config.defaultHeaders) props.defaultHeaders = config.defaultHeaders;

  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(h(GraphiQL, props));
})();
