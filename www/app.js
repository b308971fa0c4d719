// The demo page: choose or drop files, upload them with ossup, show progress, results and errors.
// No framework and no build step: the package's browser bundle is imported as it is shipped.
import { createUploader, engine, randomSource, ready } from '/pkg/dist/browser.mjs';

const $ = (selector, root = document) => root.querySelector(selector);
const items = []; // one per row: { file, li, refs, state, loaded, speed, task, index, result, error }
const running = new Set();
let config = null;

function formatBytes(n) {
  const units = ['B', 'KB', 'MB', 'GB'];
  let i = 0;
  for (; n >= 1024 && i < units.length - 1; i++) n /= 1024;
  return `${n.toFixed(i && n < 10 ? 1 : 0)} ${units[i]}`;
}

async function api(path, body) {
  const init = body
    ? { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }
    : {};
  const response = await fetch(path, init);
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw Object.assign(new Error(answer.message || `the server answered HTTP ${response.status}`), {
      status: response.status,
      code: answer.code,
    });
  }
  return answer;
}

// A 4xx from our own API (a type or size the server refuses) will not change on a second try.
const retry = {
  limit: 3,
  shouldRetry: (error) => !(error.cause && error.cause.status >= 400 && error.cause.status < 500),
};

async function makeUploader(mode) {
  const restrictions = { retry, accept: config.allowedTypes, maxFileSize: config.maxFileSize };
  if (mode === 'sts') {
    let first = await api('/api/sts', {}); // also says where to upload, and into which folder
    return createUploader({
      ...restrictions,
      bucket: first.bucket,
      region: first.region,
      endpoint: first.endpoint,
      keyPrefix: first.keyPrefix,
      credentials: async () => {
        const credentials = first || (await api('/api/sts', {}));
        first = null;
        return credentials;
      },
    });
  }
  return createUploader({
    ...restrictions,
    signForm: ({ name, size, contentType }) => api('/api/upload-form', { name, size, contentType }),
  });
}

function setState(item, state, text) {
  item.state = state;
  item.li.dataset.state = state;
  item.refs.status.textContent = text;
  item.refs.cancel.disabled = !['queued', 'uploading', 'retrying'].includes(state);
}

function setProgress(bar, percent) {
  const value = Math.round(percent);
  bar.setAttribute('aria-valuenow', String(value));
  bar.firstElementChild.style.width = `${percent}%`;
}

function showError(item, error) {
  const { refs } = item;
  const hint = error.hint && !error.message.includes(error.hint) ? ` Hint: ${error.hint}.` : '';
  refs.error.textContent = `${error.message}${hint}`;
  refs.error.hidden = false;
}

function addRow(file) {
  const li = $('#file-row').content.firstElementChild.cloneNode(true);
  const refs = {};
  for (const name of ['img', 'kind', 'name', 'size', 'bar', 'status', 'link', 'error', 'cancel']) {
    refs[name] = $(name === 'img' ? 'img' : `.${name}`, li);
  }
  const item = { file, li, refs, state: 'queued', loaded: 0, speed: 0 };
  refs.name.textContent = file.name;
  refs.name.title = file.name;
  refs.size.textContent = formatBytes(file.size);
  refs.bar.setAttribute('aria-label', `Upload progress of ${file.name}`);
  refs.cancel.setAttribute('aria-label', `Cancel ${file.name}`);
  if (file.type.startsWith('image/')) {
    item.preview = URL.createObjectURL(file);
    refs.img.src = item.preview;
    refs.img.alt = `Preview of ${file.name}`;
    refs.img.hidden = false;
    refs.img.dataset.source = 'local';
  } else {
    refs.kind.textContent = file.type.startsWith('video/') ? '▶' : (file.name.split('.').pop() || '?').slice(0, 4);
  }
  refs.cancel.addEventListener('click', () => {
    item.cancelRequested = true;
    if (item.task) item.task.cancel(item.index);
  });
  $('#files').append(li);
  items.push(item);
  return item;
}

function resetRow(item) {
  Object.assign(item, { loaded: 0, speed: 0, error: null, cancelRequested: false, task: null });
  item.refs.error.hidden = true;
  setProgress(item.refs.bar, 0);
  setState(item, 'queued', 'Waiting');
}

function onSuccess(item, result) {
  const { refs, li } = item;
  item.result = result;
  li.dataset.key = result.key;
  li.dataset.url = result.url;
  setProgress(refs.bar, 100);
  setState(item, 'success', result.integrity === 'verified' ? 'Uploaded · CRC-64 verified' : 'Uploaded');
  refs.link.href = result.url;
  refs.link.textContent = result.key;
  refs.link.hidden = false;
  if (item.file.type.startsWith('image/')) {
    // Show the stored copy, fetched back from the bucket.
    refs.img.onload = () => item.preview && URL.revokeObjectURL(item.preview);
    refs.img.dataset.source = 'bucket';
    refs.img.alt = `${item.file.name}, as stored in the bucket`;
    refs.img.src = result.url;
    li.classList.add('stored');
  }
}

async function startBatch(batch) {
  batch.forEach(resetRow);
  updateTotals();
  let uploader;
  try {
    uploader = await makeUploader($('input[name=mode]:checked').value);
  } catch (error) {
    for (const item of batch) {
      setState(item, 'error', 'Failed');
      item.error = error;
      showError(item, error);
    }
    return updateTotals();
  }
  const task = uploader.upload(batch.map((item) => item.file));
  running.add(task);
  batch.forEach((item, index) => Object.assign(item, { task, index }));
  const itemOf = (file) => batch[file.index];
  task.on('progress', (event) => {
    const item = itemOf(event.file);
    if (item.state !== 'uploading' && item.state !== 'queued' && item.state !== 'retrying') return;
    item.loaded = event.loaded;
    item.speed = event.speed;
    setProgress(item.refs.bar, event.percent);
    const speed = event.speed ? ` · ${formatBytes(event.speed)}/s` : '';
    setState(item, 'uploading', `${Math.floor(event.percent)}%${speed}`);
    updateTotals();
  });
  task.on('retry', (file, { attempt, error }) =>
    setState(itemOf(file), 'retrying', `Retrying (attempt ${attempt + 1}): ${error.message}`),
  );
  task.on('success', (file, result) => {
    onSuccess(itemOf(file), result);
    updateTotals();
  });
  task.on('cancel', (file) => {
    setState(itemOf(file), 'canceled', 'Canceled');
    updateTotals();
  });
  task.on('error', (file, error) => {
    for (const item of file ? [itemOf(file)] : batch.filter((i) => i.state !== 'success')) {
      item.error = error;
      setState(item, 'error', 'Failed');
      showError(item, error);
    }
    updateTotals();
  });
  batch.forEach((item, index) => item.cancelRequested && task.cancel(index));
  try {
    await task;
  } catch {
    // reported through the 'error' event
  }
  running.delete(task);
  updateTotals();
}

function updateTotals() {
  const active = items.filter((item) => item.state !== 'canceled' && item.state !== 'error');
  const failed = items.filter((item) => item.state === 'error').length;
  const canceled = items.filter((item) => item.state === 'canceled').length;
  const done = active.filter((item) => item.state === 'success').length;
  const total = active.reduce((sum, item) => sum + item.file.size, 0);
  const loaded = active.reduce((sum, item) => sum + (item.state === 'success' ? item.file.size : item.loaded), 0);
  const speed = active.reduce((sum, item) => sum + (item.state === 'uploading' ? item.speed : 0), 0);
  const percent = total ? (loaded / total) * 100 : 0;
  setProgress($('#total-bar'), percent);
  const parts = [];
  if (active.length) parts.push(`${done} of ${active.length} uploaded`, `${Math.floor(percent)}%`);
  if (speed && done < active.length) parts.push(`${formatBytes(speed)}/s`);
  if (failed) parts.push(`${failed} failed`);
  if (canceled) parts.push(`${canceled} canceled`);
  if (!parts.length) parts.push('No uploads yet');
  $('#total-text').textContent = parts.join(' · ');
  $('#retry-failed').disabled = failed === 0;
  $('#cancel-all').disabled = !items.some((item) => ['queued', 'uploading', 'retrying'].includes(item.state));
}

function choose(fileList) {
  const files = [...fileList];
  if (files.length) startBatch(files.map(addRow));
}

function wire() {
  const input = $('#file-input');
  const drop = $('#drop');
  input.addEventListener('change', () => {
    choose(input.files);
    input.value = ''; // choosing the same file again uploads it again
  });
  // Without this the browser would open a file dropped next to the zone.
  for (const type of ['dragover', 'drop']) window.addEventListener(type, (event) => event.preventDefault());
  drop.addEventListener('dragover', () => drop.classList.add('over'));
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    drop.classList.remove('over');
    choose(event.dataTransfer.files);
  });
  $('#cancel-all').addEventListener('click', () => {
    for (const item of items) if (['queued', 'uploading', 'retrying'].includes(item.state)) item.cancelRequested = true;
    for (const task of running) task.cancel();
  });
  $('#retry-failed').addEventListener('click', () => {
    const failed = items.filter((item) => item.state === 'error');
    if (failed.length) startBatch(failed);
  });
}

async function start() {
  wire();
  const footer = $('#footer');
  try {
    await ready();
    config = await api('/api/config');
  } catch (error) {
    footer.textContent = `Could not start: ${error.message}`;
    footer.classList.add('broken');
    return;
  }
  const sts = $('input[value=sts]');
  if (!config.sts) {
    sts.disabled = true;
    sts.closest('label').querySelector('small').textContent = 'needs a RAM role for AssumeRole: set OSSUP_ROLE_ARN';
  }
  footer.textContent =
    `Signing core: ${engine()} · random source: ${randomSource()} · ` +
    `bucket ${config.bucket} (${config.local ? 'local' : config.region}) at ${config.host}`;
  document.body.dataset.ready = 'true';
}

start();
