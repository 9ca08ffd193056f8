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

  // POSTs `payload` to `url` to make an allocation, with the stored token
  // when tokens are on, then opens the site's page; `status` shows progress
  // and errors, `failed` (if any) runs before an error is shown. Returns
  // false, sending nothing, when a token is needed and none is stored.
  function postAllocation(url, payload, status, failed) {
    var body = document.body;
    var headers = { 'Content-Type': 'application/json' };
    if (body.getAttribute('data-tokens') === 'true') {
      var token = stored();
      if (!token) {
        status.textContent = body.getAttribute('data-msg-login');
        return false;
      }
      headers.Authorization = 'Bearer ' + token;
    }
    status.textContent = body.getAttribute('data-msg-running');
    fetch(url, {
      method: 'POST',
      headers: headers,
      body: payload,
      credentials: 'omit'
    }).then(function (res) {
      if (res.status === 201) {
        window.location.assign('/sites/' + encodeURIComponent(body.getAttribute('data-site')) +
          '?lang=' + encodeURIComponent(body.getAttribute('data-lang')));
        return null;
      }
      return res.json().then(function (problem) {
        throw new Error(problem.detail || problem.title || String(res.status));
      }, function () {
        throw new Error(String(res.status));
      });
    }).catch(function (err) {
      if (failed) {
        failed();
      }
      status.textContent = body.getAttribute('data-msg-failed') + err.message;
    });
    return true;
  }

  var run = byId('run-allocation');
  if (run) {
    run.addEventListener('click', function () {
      var site = document.body.getAttribute('data-site');
      var url = '/v1/sites/' + encodeURIComponent(site) + '/allocations';
      // Disabled while the request runs (the callbacks come later).
      run.disabled = postAllocation(url, '{}', byId('run-status'), function () {
        run.disabled = false;
      });
    });
  }

  // The "new round" form: the same POST with the round, rotation and
  // stability chosen (see api/webui/rounds_page.rs).
  var roundForm = byId('round-form');
  if (roundForm) {
    roundForm.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var choice = {};
      ['round', 'rotation', 'stability'].forEach(function (name) {
        var field = roundForm.elements[name];
        if (field && field.value) {
          choice[name] = field.value;
        }
      });
      postAllocation(roundForm.getAttribute('action'), JSON.stringify(choice),
        byId('round-status'));
    });
  }
}());
