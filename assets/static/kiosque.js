/* kiosque — petit script de l'intranet, sans dépendance (CSP : script-src 'self'). */
(function () {
  'use strict';

  // A page restored from the back/forward cache (bfcache) is shown from memory,
  // without asking the server. On a shared borne, an agent who has logged out
  // could otherwise see a private page again with the "Back" button. When the
  // page comes from that cache (event.persisted), reload it: the server then
  // decides again, and refuses the page if the session has ended.
  window.addEventListener('pageshow', function (event) {
    if (event.persisted) {
      window.location.reload();
    }
  });

  // On a phone the menu scrolls sideways: bring the current entry into view.
  var current = document.querySelector('.site-nav [aria-current=page]');
  if (current && current.scrollIntoView) {
    current.scrollIntoView({ inline: 'nearest', block: 'nearest' });
  }
})();
