// A printed article shows its citation and change history: open every
// collapsed box before printing. The page reads the same without this script.
window.addEventListener("beforeprint", () => {
  document.querySelectorAll("details").forEach((box) => { box.open = true; });
});
