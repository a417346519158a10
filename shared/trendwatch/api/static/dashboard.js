// Filters apply as soon as a choice changes; the forms still work without this script.
document.addEventListener("change", (event) => {
  if (event.target.matches("select[data-autosubmit]")) event.target.form.submit();
});
