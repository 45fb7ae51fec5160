// While a reader switches between the light and dark schemes, turn transitions
// off for a frame so that the page changes colour at once (the palette stylesheet
// keys that rule on this attribute; see scripts/derivations/theme_patches.py).
document.addEventListener("change", (event) => {
  if (!event.target.closest('[data-md-component="palette"]')) return;
  document.body.setAttribute("data-palette-switching", "");
  requestAnimationFrame(() => requestAnimationFrame(() => {
    document.body.removeAttribute("data-palette-switching");
  }));
});
