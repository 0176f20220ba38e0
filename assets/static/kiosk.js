/* kiosque — borne : écran de veille, compte à rebours avant déconnexion,
   clavier tactile AZERTY. Chargé uniquement sur les bornes (CSP : script-src 'self'). */
(function () {
  'use strict';

  var body = document.body;

  // --- Idle screen: cycle the slides, one every 8 seconds. ---
  var slides = document.querySelectorAll('.idle .slide');
  if (body.classList.contains('idle')) {
    // Fresh content (and nothing withdrawn meanwhile) every five minutes.
    setTimeout(function () { window.location.reload(); }, 5 * 60 * 1000);
  }
  if (slides.length > 1) {
    var current = 0;
    setInterval(function () {
      slides[current].classList.remove('current');
      current = (current + 1) % slides.length;
      slides[current].classList.add('current');
    }, 8000);
  }

  // --- "Se connecter avec mon téléphone": ask the server twice a second
  // whether a phone approved (a small answer, the QR code stays on screen),
  // then go where the session opens. Without script the page reloads itself
  // every second instead (its <noscript> refresh). ---
  var waiting = document.querySelector('.phone-sign-in[data-etat]');
  if (waiting) {
    var stateUrl = waiting.getAttribute('data-etat');
    var next = waiting.getAttribute('data-suite');
    var check = function () {
      fetch(stateUrl, { credentials: 'same-origin', cache: 'no-store' })
        .then(function (response) {
          if (response.status === 204) {
            setTimeout(check, 500);
          } else {
            // Approved (200) or gone (410): the next page says which.
            window.location.assign(next);
          }
        })
        .catch(function () { setTimeout(check, 2000); });
    };
    setTimeout(check, 500);
  }

  // --- Walk-away safety. The server ends a borne's session after its idle
  // limit whatever this script does; the script shows it coming, lets the
  // agent stay, and clears the screen when the time is up. The countdown runs
  // from the last activity the server heard of, so it never warns too late. ---
  var idle = parseInt(body.getAttribute('data-idle') || '0', 10);
  var WARN = Math.min(15, idle - 1);
  if (idle > 1) {
    var heard = Date.now();
    var asking = false;
    var dialog = null;

    var signOut = function () {
      var form = document.querySelector('form.logout');
      if (form) {
        form.submit();
      } else {
        window.location.assign('/');
      }
    };
    var closeDialog = function () {
      if (dialog) {
        dialog.remove();
        dialog = null;
      }
    };
    // Tells the server the agent is still there; a refusal means the session
    // is already over: go to the idle screen.
    var ping = function () {
      if (asking) { return; }
      asking = true;
      var sent = Date.now();
      fetch('/session', { credentials: 'same-origin', redirect: 'manual' })
        .then(function (response) {
          if (response.status === 204) {
            heard = sent;
            closeDialog();
          } else {
            window.location.assign('/');
          }
        })
        .catch(function () {})
        .then(function () { asking = false; });
    };
    var activity = function () {
      // The server moves its clock at most every 5 seconds.
      if (Date.now() - heard > 5000) {
        ping();
      }
    };
    ['pointerdown', 'keydown', 'touchstart', 'scroll'].forEach(function (type) {
      window.addEventListener(type, activity, { passive: true });
    });
    var showDialog = function (left) {
      if (!dialog) {
        dialog = document.createElement('div');
        dialog.className = 'countdown';
        dialog.setAttribute('role', 'alertdialog');
        dialog.setAttribute('aria-live', 'assertive');
        dialog.setAttribute('aria-labelledby', 'countdown-text');
        var text = document.createElement('p');
        text.id = 'countdown-text';
        var stay = document.createElement('button');
        stay.type = 'button';
        stay.className = 'button button-primary';
        stay.textContent = 'Je suis toujours là';
        stay.addEventListener('click', ping);
        dialog.appendChild(text);
        dialog.appendChild(stay);
        body.appendChild(dialog);
        stay.focus();
      }
      dialog.querySelector('p').textContent =
        'Vous allez être déconnecté dans ' + left + ' s';
    };
    setInterval(function () {
      var left = idle - Math.floor((Date.now() - heard) / 1000);
      if (left <= 0) {
        signOut();
      } else if (left <= WARN) {
        showDialog(left);
      }
    }, 1000);
  } else if (body.getAttribute('data-device') === 'kiosk' && !body.classList.contains('idle')) {
    // Signed out on a borne (sign-in page): back to the idle screen after a minute.
    var untouched = Date.now();
    window.addEventListener('pointerdown', function () { untouched = Date.now(); }, { passive: true });
    window.addEventListener('keydown', function () { untouched = Date.now(); }, { passive: true });
    setInterval(function () {
      if (Date.now() - untouched > 60000) {
        window.location.assign('/');
      }
    }, 5000);
  }

  // --- On-screen AZERTY keyboard for every text field. ---
  if (body.getAttribute('data-device') !== 'kiosk' || body.classList.contains('idle')) {
    return;
  }
  var ROWS = [
    ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0'],
    ['a', 'z', 'e', 'r', 't', 'y', 'u', 'i', 'o', 'p'],
    ['q', 's', 'd', 'f', 'g', 'h', 'j', 'k', 'l', 'm'],
    ['w', 'x', 'c', 'v', 'b', 'n', "'", '-', '_', '@'],
    ['é', 'è', 'ê', 'à', 'ç', 'ù', 'ô', 'î', 'ï', '.']
  ];
  var NAMES = { ' ': 'Espace', "'": 'Apostrophe', '-': 'Tiret', '_': 'Tiret bas', '@': 'Arobase', '.': 'Point' };
  var field = null;
  var shift = false;
  var keyboard = document.createElement('div');
  keyboard.className = 'osk';
  keyboard.hidden = true;
  keyboard.setAttribute('role', 'group');
  keyboard.setAttribute('aria-label', 'Clavier à l\u2019écran');

  var insert = function (text) {
    if (!field) { return; }
    var start = field.selectionStart;
    var end = field.selectionEnd;
    if (typeof start === 'number' && field.setRangeText) {
      field.setRangeText(text, start, end, 'end');
    } else {
      field.value += text;
    }
    field.dispatchEvent(new Event('input', { bubbles: true }));
  };
  var backspace = function () {
    if (!field) { return; }
    var start = field.selectionStart;
    var end = field.selectionEnd;
    if (typeof start === 'number' && field.setRangeText) {
      if (start === end && start > 0) { start -= 1; }
      field.setRangeText('', start, end, 'end');
    } else {
      field.value = field.value.slice(0, -1);
    }
    field.dispatchEvent(new Event('input', { bubbles: true }));
  };
  var key = function (label, aria, action, extra) {
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'osk-key' + (extra ? ' ' + extra : '');
    button.textContent = label;
    button.setAttribute('aria-label', aria);
    // Keep the focus in the field being typed into.
    button.addEventListener('pointerdown', function (event) { event.preventDefault(); });
    button.addEventListener('click', action);
    return button;
  };
  var letters = [];
  ROWS.forEach(function (row) {
    var line = document.createElement('div');
    line.className = 'osk-row';
    row.forEach(function (ch) {
      var button = key(ch, NAMES[ch] || ch, function () {
        insert(shift ? ch.toUpperCase() : ch);
        if (shift) { setShift(false); }
      });
      if (ch.toUpperCase() !== ch) { letters.push(button); }
      line.appendChild(button);
    });
    keyboard.appendChild(line);
  });
  var setShift = function (on) {
    shift = on;
    letters.forEach(function (button) {
      button.textContent = on ? button.textContent.toUpperCase() : button.textContent.toLowerCase();
    });
    shiftKey.setAttribute('aria-pressed', on ? 'true' : 'false');
  };
  var last = document.createElement('div');
  last.className = 'osk-row';
  var shiftKey = key('⇧', 'Majuscule', function () { setShift(!shift); }, 'osk-wide');
  shiftKey.setAttribute('aria-pressed', 'false');
  last.appendChild(shiftKey);
  last.appendChild(key('Espace', 'Espace', function () { insert(' '); }, 'osk-space'));
  last.appendChild(key('⌫', 'Effacer', backspace, 'osk-wide'));
  last.appendChild(key('Fermer', 'Fermer le clavier', function () {
    keyboard.hidden = true;
    if (field) { field.blur(); }
  }, 'osk-wide'));
  keyboard.appendChild(last);
  body.appendChild(keyboard);

  var TYPES = ['text', 'search', 'password', 'email', 'url', 'tel', 'number'];
  document.addEventListener('focusin', function (event) {
    var target = event.target;
    var typed = target.tagName === 'TEXTAREA' ||
      (target.tagName === 'INPUT' && TYPES.indexOf(target.type) !== -1);
    if (typed) {
      field = target;
      // The borne has no physical keyboard: no system keyboard either.
      target.setAttribute('inputmode', 'none');
      keyboard.hidden = false;
      body.classList.add('osk-open');
    }
  });
  document.addEventListener('focusout', function (event) {
    if (event.target === field && !keyboard.contains(event.relatedTarget)) {
      setTimeout(function () {
        if (document.activeElement !== field) {
          keyboard.hidden = true;
          body.classList.remove('osk-open');
        }
      }, 100);
    }
  });
})();
