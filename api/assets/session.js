// Warns before the session's idle timeout and lets the user stay signed in: the dialog opens
// a few minutes before the timeout (the page says when, in data-warn-in-ms), takes the focus,
// and "Stay signed in" renews the session without leaving the page.
(() => {
  const body = document.body;
  const dialog = document.getElementById('idle-warning');
  if (!body.dataset.warnInMs || !dialog || typeof dialog.showModal !== 'function') return;
  let timer;
  const show = () => {
    if (!dialog.open) dialog.showModal();
    dialog.querySelector('button').focus();
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(show, Number(body.dataset.warnInMs));
  };
  dialog.querySelector('form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const response = await fetch('/session/keepalive', {
      method: 'POST',
      credentials: 'same-origin',
      body: new URLSearchParams(new FormData(event.target)),
    });
    if (response.ok) {
      dialog.close();
      schedule();
    } else {
      location.href = '/login?next=' + encodeURIComponent(location.pathname);
    }
  });
  // Lets the page (and tests) start the countdown again after changing data-warn-in-ms.
  window.addEventListener('leadgen:reschedule', schedule);
  schedule();
})();
