// Review console: one-key decisions, the shortcut help, and click-to-reveal images.
(function () {
  "use strict";

  function typing(target) {
    return target instanceof HTMLElement &&
      (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) {
      return;
    }
    if (event.key === "?") {
      const help = document.getElementById("help");
      if (help) {
        help.hidden = !help.hidden;
      }
      return;
    }
    const button = document.querySelector('#decide button[data-key="' + event.key.toLowerCase() + '"]');
    if (button) {
      event.preventDefault();
      button.form.requestSubmit(button);
    }
  });

  document.addEventListener("click", function (event) {
    const target = event.target;
    if (target instanceof HTMLImageElement && target.classList.contains("sensitive")) {
      target.classList.toggle("revealed");
    }
  });
})();
