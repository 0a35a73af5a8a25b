// Live progress of a search: the page is complete without this script; with it, progress,
// counts and newly found leads appear as the server announces them over the WebSocket.
(() => {
  const root = document.querySelector('[data-job]');
  // A finished search has nothing more to say.
  if (!root || root.dataset.done === 'true' || !('WebSocket' in window)) return;
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(`${proto}//${location.host}/api/v1/ws/jobs/${root.dataset.job}`);
  const set = (field, value) => {
    const el = root.querySelector(`[data-field="${field}"]`);
    if (el && value !== undefined && value !== null) el.textContent = String(value);
  };
  ws.onopen = () => { root.dataset.live = 'on'; };
  ws.onmessage = (message) => {
    const e = JSON.parse(message.data);
    if (e.type === 'job_progress' || e.type === 'job_status') {
      set('progress', e.progress);
      set('current_step', e.current_step);
      set('results_count', e.results_count);
      set('processed_count', e.processed_count);
      set('remaining_count', e.remaining_count);
      const bar = root.querySelector('progress');
      if (bar && typeof e.progress === 'number') bar.value = e.progress;
    } else if (e.type === 'lead_discovered') {
      const body = root.querySelector('[data-field="leads"]');
      if (!body) return;
      const row = document.createElement('tr');
      const name = document.createElement('td');
      const link = document.createElement('a');
      link.href = `/leads/${e.lead_id}`;
      link.textContent = e.company_name || 'lead';
      name.appendChild(link);
      const score = document.createElement('td');
      score.textContent = String(e.lead_score);
      row.append(name, score);
      body.appendChild(row);
      set('results_count', e.results_count);
    } else if (e.type === 'job_completed' || e.type === 'job_failed') {
      root.dataset.live = 'done';
      location.reload();
    }
  };
})();
