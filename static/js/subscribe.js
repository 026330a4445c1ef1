// Progressive enhancement for the component checkboxes: ticking or unticking a group sets
// all its components, and unticking one component unticks its group. Without JavaScript
// the server reads the boxes the same way (a group counts only with all its components).
document.querySelectorAll("[data-choice-group]").forEach(function (group) {
  var groupBox = group.querySelector("[data-group-box]");
  var children = group.querySelectorAll('input[name="component"]');
  groupBox.addEventListener("change", function () {
    children.forEach(function (box) { box.checked = groupBox.checked; });
  });
  children.forEach(function (box) {
    box.addEventListener("change", function () {
      if (!box.checked) { groupBox.checked = false; }
    });
  });
});
