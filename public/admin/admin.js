// Progressive enhancement only: every page works without this file.
(function () {
  'use strict';

  // Drag-and-drop onto the photo field, with a preview.
  document.querySelectorAll('[data-dropzone]').forEach(function (zone) {
    var input = zone.querySelector('input[type=file]');
    var preview = zone.querySelector('[data-preview]');
    var show = function () {
      var file = input.files && input.files[0];
      if (!file || !preview) return;
      preview.src = URL.createObjectURL(file);
      preview.alt = file.name;
      preview.hidden = false;
    };
    input.addEventListener('change', show);
    ['dragenter', 'dragover'].forEach(function (t) {
      zone.addEventListener(t, function (e) { e.preventDefault(); zone.classList.add('dragover'); });
    });
    ['dragleave', 'drop'].forEach(function (t) {
      zone.addEventListener(t, function () { zone.classList.remove('dragover'); });
    });
    zone.addEventListener('drop', function (e) {
      e.preventDefault();
      if (e.dataTransfer && e.dataTransfer.files.length) {
        input.files = e.dataTransfer.files;
        show();
      }
    });
  });

  // Font select: show the renderer's preview of the chosen family.
  document.querySelectorAll('[data-font-select]').forEach(function (select) {
    var img = select.parentElement.querySelector('[data-font-preview]');
    var update = function () {
      var opt = select.options[select.selectedIndex];
      var url = opt && opt.getAttribute('data-preview');
      if (!img) return;
      if (url) { img.src = url; img.alt = opt.textContent; img.hidden = false; } else { img.hidden = true; }
    };
    select.addEventListener('change', update);
    update();
  });

  // Layer viewer: each checkbox shows or hides its layer; the exploded view fans them out.
  document.querySelectorAll('[data-layer-stage]').forEach(function (stage) {
    var root = stage.parentElement;
    root.querySelectorAll('[data-toggle]').forEach(function (box) {
      box.addEventListener('change', function () {
        var img = stage.querySelector('[data-layer="' + box.getAttribute('data-toggle') + '"]');
        if (img) img.hidden = !box.checked;
      });
    });
    var explode = root.querySelector('[data-explode]');
    if (explode) explode.addEventListener('change', function () { stage.classList.toggle('exploded', explode.checked); });
  });

  // Confirm destructive forms.
  document.querySelectorAll('form[data-confirm]').forEach(function (form) {
    form.addEventListener('submit', function (e) {
      if (!window.confirm(form.getAttribute('data-confirm'))) e.preventDefault();
    });
  });

  // Live progress through the API's Server-Sent Events; reload once the job is done.
  var card = document.querySelector('[data-job][data-active="1"]');
  if (card && window.EventSource) {
    var id = card.getAttribute('data-job');
    var bar = document.getElementById('job-progress');
    var stage = card.querySelector('[data-stage]');
    var sub = card.querySelector('[data-sub]');
    var pct = card.querySelector('[data-pct]');
    var eta = card.querySelector('[data-eta]');
    var apply = function (s) {
      var p = s.status === 'completed' ? 100 : Math.max(0, Math.min(100, Number(s.progress_percent) || 0));
      bar.value = p;
      bar.textContent = p + '%';
      pct.textContent = p + '%';
      // Stage labels come translated from the page; an unknown one is shown as sent.
      var names = JSON.parse(stage.getAttribute('data-names') || '{}');
      if (s.current_step) stage.textContent = names[s.current_step] || s.current_step;
      sub.textContent = s.sub_step ? ' · ' + s.sub_step : '';
      eta.textContent = s.eta_seconds === null || s.eta_seconds === undefined
        ? eta.getAttribute('data-unknown')
        : eta.getAttribute('data-fmt').replace('{s}', s.eta_seconds < 10 ? Number(s.eta_seconds).toFixed(1) : Math.round(s.eta_seconds));
    };
    var source = new EventSource('/admin/jobs/' + encodeURIComponent(id) + '/events');
    source.addEventListener('status', function (e) { apply(JSON.parse(e.data)); });
    source.addEventListener('done', function (e) {
      source.close();
      apply(JSON.parse(e.data));
      setTimeout(function () { window.location.reload(); }, 400);
    });
    source.onerror = function () {
      // The stream ended or broke: fall back to reloading the page now and then.
      source.close();
      setTimeout(function () { window.location.reload(); }, 3000);
    };
  }
})();
