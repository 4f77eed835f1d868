// Precis browser script: drag-and-drop upload, upload progress, dismissable
// messages. Served from /static because the Content-Security-Policy forbids
// inline scripts and inline event handlers. The upload form works without it.
(function () {
  "use strict";

  function uploadMessage(text, isError) {
    var box = document.getElementById("upload-message");
    if (!box) return;
    box.textContent = text;
    box.className = "upload-message" + (text ? (isError ? " alert alert-error" : " alert alert-notice") : "");
    box.setAttribute("role", isError ? "alert" : "status");
  }

  function formatBytes(n) {
    var units = ["B", "KB", "MB", "GB"];
    var i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? n : n.toFixed(1)) + " " + units[i];
  }

  function initUpload(form) {
    var input = form.querySelector('input[type="file"]');
    var zone = form.querySelector(".dropzone");
    var progress = document.getElementById("upload-progress");
    var bar = document.getElementById("upload-progress-bar");
    var label = document.getElementById("upload-progress-text");
    var busy = false;

    form.classList.add("js");

    // Checks sizes in the browser, so a file the server would refuse is not
    // sent at all; the server checks again.
    function send() {
      if (busy || !input.files || input.files.length === 0) return;
      var maxBytes = parseInt(form.getAttribute("data-max-bytes") || "0", 10);
      var tooBig = [];
      for (var i = 0; i < input.files.length; i++) {
        if (maxBytes > 0 && input.files[i].size > maxBytes) tooBig.push(input.files[i].name);
      }
      if (tooBig.length > 0) {
        uploadMessage(tooBig.join(", ") + (tooBig.length === 1 ? " is" : " are") +
          " larger than the " + formatBytes(maxBytes) + " limit for one file. Nothing was uploaded.", true);
        input.value = "";
        return;
      }
      form.requestSubmit(); // htmx handles the submit event
    }

    input.addEventListener("change", send);

    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (e) {
        e.preventDefault();
        if (e.dataTransfer) e.dataTransfer.dropEffect = "copy";
        zone.classList.add("dragover");
      });
    });
    ["dragleave", "dragend", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("dragover"); });
    });
    zone.addEventListener("drop", function (e) {
      e.preventDefault();
      if (busy || !e.dataTransfer || e.dataTransfer.files.length === 0) return;
      input.files = e.dataTransfer.files;
      send();
    });
    // A file dropped next to the zone would otherwise replace the page.
    window.addEventListener("dragover", function (e) { e.preventDefault(); });
    window.addEventListener("drop", function (e) { e.preventDefault(); });

    form.addEventListener("htmx:beforeRequest", function () {
      busy = true;
      zone.classList.add("busy");
      bar.value = 0;
      label.textContent = "Uploading…";
      progress.hidden = false;
      uploadMessage("", false);
    });
    // htmx relays the progress of both the upload and the response download;
    // the bar only moves forward, so the short download does not reset it.
    form.addEventListener("htmx:xhr:progress", function (e) {
      var d = e.detail;
      if (!busy || !d.lengthComputable || !d.total) return;
      var pct = Math.floor((d.loaded * 100) / d.total);
      if (pct < bar.value) return;
      bar.value = pct;
      label.textContent = pct < 100
        ? "Uploading… " + pct + "% of " + formatBytes(d.total)
        : "Upload complete, checking the files…";
    });
    form.addEventListener("htmx:afterRequest", function (e) {
      busy = false;
      zone.classList.remove("busy");
      progress.hidden = true;
      input.value = "";
      if (!e.detail.successful && e.detail.xhr && e.detail.xhr.status === 0) {
        uploadMessage("The upload was interrupted. Check the connection to the server and try again.", true);
      }
    });
  }

  function init() {
    var form = document.getElementById("upload-form");
    if (form) initUpload(form);
    document.addEventListener("click", function (e) {
      var button = e.target.closest && e.target.closest("[data-dismiss]");
      if (!button) return;
      var alert = button.closest(".alert");
      if (alert) alert.remove();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

// Forms with data-confirm ask before they submit (deleting a document).
document.addEventListener("submit", function (e) {
  var form = e.target;
  if (form && form.hasAttribute && form.hasAttribute("data-confirm") && !window.confirm(form.getAttribute("data-confirm"))) {
    e.preventDefault();
  }
}, true);
