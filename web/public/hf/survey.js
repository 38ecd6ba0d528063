// The callback survey: GET /api/public/callbacks/{code}, then POST the answer.
(function () {
  "use strict";
  var app = document.getElementById("app");
  var code = new URLSearchParams(location.search).get("c") || "";
  var labels = { 1: "满意", 2: "基本满意", 3: "不满意" };

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text) e.textContent = text;
    return e;
  }
  function show(nodes) {
    app.textContent = "";
    nodes.forEach(function (n) { app.appendChild(n); });
  }
  function message(text, cls) { show([el("p", { class: cls || "" }, text)]); }
  function day(iso) {
    var d = new Date(iso);
    return (d.getMonth() + 1) + "月" + d.getDate() + "日";
  }

  function render(survey) {
    var intro = el("p", {}, "您" + (survey.received_at ? day(survey.received_at) : "") + "的报警求助（警情号 " +
      survey.incident_id + "）已由" + (survey.station_name || "民警") + "处理完毕。");
    if (survey.answered) {
      return show([intro, el("p", {}, "您的评价：" + labels[survey.satisfaction] + "。感谢您的监督！")]);
    }
    if (!survey.can_answer) return show([intro, el("p", {}, "本次回访已结束，感谢您的支持。")]);
    var chosen = 0;
    var choices = el("div", { class: "choices", role: "radiogroup" });
    var send = el("button", { class: "send", type: "button", disabled: "" }, "提交评价");
    [1, 2, 3].forEach(function (n) {
      var b = el("button", { type: "button", role: "radio", "aria-checked": "false", "data-value": n }, n + "  " + labels[n]);
      b.onclick = function () {
        chosen = n;
        Array.prototype.forEach.call(choices.children, function (c) {
          var on = c === b;
          c.className = on ? "on" : "";
          c.setAttribute("aria-checked", on ? "true" : "false");
        });
        send.removeAttribute("disabled");
      };
      choices.appendChild(b);
    });
    var comment = el("textarea", { maxlength: "500", placeholder: "意见或建议（选填）" });
    var error = el("p", { class: "error" });
    send.onclick = function () {
      send.setAttribute("disabled", "");
      fetch("/api/public/callbacks/" + encodeURIComponent(code), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ satisfaction: chosen, comment: comment.value }),
      }).then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) throw new Error(body.message || "提交失败");
          message("已收到您的评价：" + labels[chosen] + "。感谢您的监督！");
        });
      }).catch(function (e) {
        error.textContent = e.message;
        send.removeAttribute("disabled");
      });
    };
    show([intro, el("p", {}, "请对民警的处置作出评价："), choices, comment, send, error]);
  }

  if (!code) return message("链接不完整，请从短信中的链接打开。", "error");
  fetch("/api/public/callbacks/" + encodeURIComponent(code))
    .then(function (r) {
      if (r.status === 404) throw new Error("未找到该回访，请核对短信中的链接。");
      if (!r.ok) throw new Error("暂时无法读取，请稍后再试。");
      return r.json();
    })
    .then(render)
    .catch(function (e) { message(e.message, "error"); });
})();
