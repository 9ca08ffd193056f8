// allot web page: the only script. Plain JavaScript, no dependencies.
// - login form: keeps a copy of the token in this tab's sessionStorage, for
//   the one API write the page makes (see api/webui/mod.rs);
// - the assignments table filter;
// - the "run a new allocation" button: POST /v1/sites/{site}/allocations
//   with the Authorization header, then reload the page.
(function () {
  'use strict';
  var KEY = 'allot-token';

  function byId(id) {
    return document.getElementById(id);
  }

  function stored() {
    try {
      return window.sessionStorage.getItem(KEY);
    } catch (e) {
      return null;
    }
  }

  var login = byId('login-form');
  if (login) {
    login.addEventListener('submit', function () {
      try {
        window.sessionStorage.setItem(KEY, byId('token').value.trim());
      } catch (e) { /* storage disabled: the run button will ask to log in */ }
    });
  }

  var logout = byId('logout-form');
  if (logout) {
    logout.addEventListener('submit', function () {
      try {
        window.sessionStorage.removeItem(KEY);
      } catch (e) { /* nothing stored */ }
    });
  }

  var table = byId('assignment-table');
  var filter = byId('filter');
  var kind = byId('filter-kind');
  var count = byId('filter-count');
  function applyFilter() {
    if (!table || !table.tBodies.length) {
      return;
    }
    var q = filter ? filter.value.trim().toLowerCase() : '';
    var k = kind ? kind.value : '';
    var rows = table.tBodies[0].rows;
    var shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var row = rows[i];
      var ok = (!k || row.getAttribute('data-kind') === k) &&
        (!q || (row.getAttribute('data-search') || '').indexOf(q) >= 0);
      row.hidden = !ok;
      if (ok) {
        shown++;
      }
    }
    if (count) {
      count.textContent = shown + ' / ' + rows.length;
    }
  }
  if (filter) {
    filter.addEventListener('input', applyFilter);
  }
  if (kind) {
    kind.addEventListener('change', applyFilter);
  }
  applyFilter();

  var run = byId('run-allocation');
  if (run) {
    run.addEventListener('click', function () {
      var body = document.body;
      var site = body.getAttribute('data-site');
      var lang = body.getAttribute('data-lang');
      var status = byId('run-status');
      var headers = { 'Content-Type': 'application/json' };
      if (body.getAttribute('data-tokens') === 'true') {
        var token = stored();
        if (!token) {
          status.textContent = body.getAttribute('data-msg-login');
          return;
        }
        headers.Authorization = 'Bearer ' + token;
      }
      run.disabled = true;
      status.textContent = body.getAttribute('data-msg-running');
      var base = '/sites/' + encodeURIComponent(site);
      fetch('/v1' + base + '/allocations', {
        method: 'POST',
        headers: headers,
        body: '{}',
        credentials: 'omit'
      }).then(function (res) {
        if (res.status === 201) {
          window.location.assign(base + '?lang=' + encodeURIComponent(lang));
          return null;
        }
        return res.json().then(function (problem) {
          throw new Error(problem.detail || problem.title || String(res.status));
        }, function () {
          throw new Error(String(res.status));
        });
      }).catch(function (err) {
        run.disabled = false;
        status.textContent = body.getAttribute('data-msg-failed') + err.message;
      });
    });
  }

  // The "new round" form: the same POST with the round, rotation and
  // stability chosen (see api/webui/rounds_page.rs).
  var roundForm = byId('round-form');
  if (roundForm) {
    roundForm.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var body = document.body;
      var lang = body.getAttribute('data-lang');
      var status = byId('round-status');
      var headers = { 'Content-Type': 'application/json' };
      if (body.getAttribute('data-tokens') === 'true') {
        var token = stored();
        if (!token) {
          status.textContent = body.getAttribute('data-msg-login');
          return;
        }
        headers.Authorization = 'Bearer ' + token;
      }
      var choice = {};
      ['round', 'rotation', 'stability'].forEach(function (name) {
        var field = roundForm.elements[name];
        if (field && field.value) {
          choice[name] = field.value;
        }
      });
      status.textContent = body.getAttribute('data-msg-running');
      fetch(roundForm.getAttribute('action'), {
        method: 'POST',
        headers: headers,
        body: JSON.stringify(choice),
        credentials: 'omit'
      }).then(function (res) {
        if (res.status === 201) {
          window.location.assign('/sites/' + encodeURIComponent(body.getAttribute('data-site')) +
            '?lang=' + encodeURIComponent(lang));
          return null;
        }
        return res.json().then(function (problem) {
          throw new Error(problem.detail || problem.title || String(res.status));
        }, function () {
          throw new Error(String(res.status));
        });
      }).catch(function (err) {
        status.textContent = body.getAttribute('data-msg-failed') + err.message;
      });
    });
  }
}());
