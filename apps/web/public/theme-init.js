// Runs before first paint (a classic, blocking script): picks the saved theme so the page never flashes.
(function () {
  var root = document.documentElement;
  var theme = 'dark';
  try {
    if (localStorage.getItem('lm.theme') === 'light') theme = 'light';
  } catch (e) {
    /* storage may be blocked: keep the default */
  }
  root.classList.toggle('dark', theme === 'dark');
  root.style.colorScheme = theme;
})();
