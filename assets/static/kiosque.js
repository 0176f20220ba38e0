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

  // Search as you type, on personal devices only (the server marks the form
  // data-live; a borne types on its own keyboard and keeps the plain form).
  // Without this script the form works as is: it is only an enhancement.
  var form = document.querySelector('form.search-page[data-live]');
  var region = document.getElementById('resultats');
  if (form && region && window.fetch && window.URLSearchParams) {
    var input = form.querySelector('input[name=q]');
    var timer = null;
    var asked = 0;
    var refresh = function () {
      var params = new URLSearchParams(new FormData(form));
      if ((params.get('q') || '').trim().length < 2) {
        return;
      }
      var ticket = ++asked;
      params.set('vite', '1');
      fetch('/recherche?' + params.toString(), { credentials: 'same-origin' })
        .then(function (response) {
          // A redirect means the session ended: leave the page as it is.
          if (!response.ok || response.redirected) {
            return null;
          }
          return response.text();
        })
        .then(function (html) {
          if (html === null || ticket !== asked) {
            return;
          }
          var fresh = new DOMParser().parseFromString(html, 'text/html').getElementById('resultats');
          if (fresh) {
            region.replaceChildren.apply(region, Array.prototype.slice.call(fresh.childNodes));
            params.delete('vite');
            window.history.replaceState(null, '', '/recherche?' + params.toString());
          }
        })
        .catch(function () { /* offline: the form still submits */ });
    };
    var later = function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 250);
    };
    input.addEventListener('input', later);
    form.addEventListener('change', later);
  }
})();
