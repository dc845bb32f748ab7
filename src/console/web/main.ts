// The Samsa web console: one page, routed by path (the server answers every console path with
// it, so deep links work), talking to the broker's /api/.
import { api, bytes, h, HttpError, num, table } from './dom.js';

interface Cluster {
  clusterId: string | null;
  controller: number;
  brokers: { id: number; host: string; port: number; rack: string | null; leaderPartitions: number }[];
  topics: number;
  partitions: number;
  underReplicated: number;
  offline: number;
  readOnly: boolean;
  version: string;
}
interface ConfigEntry {
  name: string;
  value: string | null;
  source: string;
  readOnly: boolean;
  sensitive: boolean;
  isDefault: boolean;
}
interface TopicRow {
  name: string;
  internal: boolean;
  partitions: number;
  replicationFactor: number;
  underReplicated: number;
  records: number;
  size: number | null;
}
interface TopicDetail {
  name: string;
  topicId: string;
  internal: boolean;
  partitions: { partition: number; leader: number; replicas: number[]; isr: number[]; logStartOffset: number; highWatermark: number; size: number | null }[];
  configs: ConfigEntry[];
}
type Shown = { text: string; json: boolean; encoding: 'utf8' } | { hex: string; encoding: 'hex' } | null;
interface Browse {
  topic: string;
  partitions: { partition: number; logStartOffset: number; highWatermark: number; from: number }[];
  records: { partition: number; offset: number; timestamp: number; key: Shown; value: Shown; headers: { key: string; value: Shown }[] }[];
  truncated: boolean;
}
interface GroupRow {
  groupId: string;
  protocolType: string;
  state: string;
  coordinator: number;
  members: number;
  topics: string[];
  totalLag: number | null;
}
interface GroupDetail {
  groupId: string;
  state: string;
  protocolType: string;
  protocol: string;
  coordinator: number;
  members: { memberId: string; instanceId: string | null; clientId: string; host: string; assignment: { topic: string; partitions: number[] }[] }[];
  partitions: { topic: string; partition: number; currentOffset: number | null; logStartOffset: number; logEndOffset: number; lag: number | null; memberId: string | null }[];
  totalLag: number;
}
interface ResetResult {
  group: string;
  executed: boolean;
  partitions: { topic: string; partition: number; currentOffset: number | null; newOffset: number }[];
}

const root = document.getElementById('app')!;
let cluster: Cluster | null = null;
/** Timers of the screen on show (charts, refreshes), cleared when another is shown. */
let timers: number[] = [];

function link(href: string, text: string, attrs: Record<string, string> = {}): HTMLAnchorElement {
  return h('a', { href, ...attrs, onclick: (e: Event) => {
    const me = e as MouseEvent;
    if (me.ctrlKey || me.metaKey || me.shiftKey || me.button !== 0) return;
    e.preventDefault();
    navigate(href);
  } }, text);
}

function navigate(href: string): void {
  history.pushState(null, '', href);
  void render();
}

function notice(text: string, kind: 'error' | 'ok' = 'error'): HTMLElement {
  return h('div', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}

function readOnly(): boolean {
  return cluster?.readOnly === true;
}

function nav(active: string): HTMLElement {
  const item = (href: string, text: string, key: string) => h('li', {}, link(href, text, key === active ? { class: 'active' } : {}));
  return h(
    'header',
    {},
    h('div', { class: 'brand' }, link('/', 'Samsa'), h('span', { class: 'version' }, cluster ? `v${cluster.version}` : '')),
    h('ul', { class: 'nav' }, item('/', 'Cluster', 'cluster'), item('/topics', 'Topics', 'topics'), item('/groups', 'Consumer groups', 'groups')),
    readOnly() ? h('span', { class: 'badge', 'data-testid': 'read-only' }, 'read-only') : null,
  );
}

async function render(): Promise<void> {
  for (const t of timers) clearInterval(t);
  timers = [];
  const path = decodeURIComponent(location.pathname).replace(/\/+$/, '') || '/';
  const main = h('main', {});
  let m: RegExpMatchArray | null;
  let active = 'cluster';
  let screen: () => Promise<void>;
  if (path === '/') screen = () => clusterScreen(main);
  else if (path === '/topics') {
    active = 'topics';
    screen = () => topicsScreen(main);
  } else if ((m = /^\/topics\/([^/]+)\/messages$/.exec(path))) {
    active = 'topics';
    const name = m[1]!;
    screen = () => messagesScreen(main, name);
  } else if ((m = /^\/topics\/([^/]+)$/.exec(path))) {
    active = 'topics';
    const name = m[1]!;
    screen = () => topicScreen(main, name);
  } else if (path === '/groups') {
    active = 'groups';
    screen = () => groupsScreen(main);
  } else if ((m = /^\/groups\/([^/]+)$/.exec(path))) {
    active = 'groups';
    const name = m[1]!;
    screen = () => groupScreen(main, name);
  } else if ((m = /^\/brokers\/(\d+)$/.exec(path))) {
    const id = m[1]!;
    screen = () => brokerScreen(main, id);
  } else {
    screen = async () => {
      main.append(h('h1', {}, 'Not found'), h('p', {}, `Nothing at ${path}. `, link('/', 'Back to the cluster')));
    };
  }
  try {
    cluster ??= await api<Cluster>('/api/cluster');
  } catch {
    // shown by the screen's own request
  }
  root.replaceChildren(nav(active), main);
  main.append(h('p', { class: 'loading' }, 'Loading…'));
  try {
    await screen();
  } catch (err) {
    main.append(notice(err instanceof Error ? err.message : String(err)));
  } finally {
    main.querySelector('.loading')?.remove();
  }
  document.body.dataset['screen'] = active;
  document.body.dataset['ready'] = 'true';
}

// ---------------------------------------------------------------- cluster and brokers

async function clusterScreen(main: HTMLElement): Promise<void> {
  document.title = 'Cluster · Samsa';
  const c = (cluster = await api<Cluster>('/api/cluster'));
  main.append(
    h('h1', {}, 'Cluster'),
    h(
      'div',
      { class: 'cards' },
      card('Cluster id', c.clusterId ?? '–'),
      card('Controller', String(c.controller)),
      card('Brokers', String(c.brokers.length)),
      card('Topics', String(c.topics)),
      card('Partitions', String(c.partitions)),
      card('Under-replicated', String(c.underReplicated), c.underReplicated > 0 ? 'warn' : ''),
      card('Offline', String(c.offline), c.offline > 0 ? 'bad' : ''),
    ),
    h('h2', {}, 'Brokers'),
    table(
      ['Id', 'Address', 'Rack', 'Leader partitions', 'Role', ''],
      c.brokers.map((b) => ({ cells: [String(b.id), `${b.host}:${b.port}`, b.rack ?? '–', num(b.leaderPartitions), b.id === c.controller ? 'controller' : '', link(`/brokers/${b.id}`, 'configs')], attrs: { 'data-broker': b.id } })),
      { 'data-testid': 'brokers' },
    ),
    h('h2', {}, 'Throughput ', h('small', {}, '(this broker, records per second)')),
  );
  main.append(throughputChart());
}

function card(label: string, value: string, cls = ''): HTMLElement {
  return h('div', { class: `card ${cls}` }, h('div', { class: 'label' }, label), h('div', { class: 'value', 'data-testid': `card-${label.toLowerCase().replace(/[^a-z]+/g, '-')}` }, value));
}

/** Live charts of records and bytes in and out: rates from /api/throughput every 2 s, the last 60 points. */
function throughputChart(): HTMLElement {
  const box = h('div', { class: 'chart', 'data-testid': 'throughput' });
  const points: { at: number; inRate: number; outRate: number; bytesIn: number; bytesOut: number }[] = [];
  let last: { at: number; messagesIn: number; messagesOut: number; bytesIn: number; bytesOut: number } | null = null;
  const draw = () => {
    const w = 720;
    const hgt = 180;
    const max = Math.max(1, ...points.map((p) => Math.max(p.inRate, p.outRate)));
    const x = (i: number) => (points.length <= 1 ? 0 : (i / 59) * w);
    const y = (v: number) => hgt - (v / max) * (hgt - 20);
    const line = (f: (p: (typeof points)[number]) => number) => points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(f(p)).toFixed(1)}`).join(' ');
    const now = points.at(-1);
    box.innerHTML = `<svg viewBox="0 0 ${w} ${hgt}" width="100%" height="${hgt}" role="img" aria-label="throughput">
      <line x1="0" y1="${hgt - 0.5}" x2="${w}" y2="${hgt - 0.5}" class="axis"/>
      <path d="${line((p) => p.inRate)}" class="in"/><path d="${line((p) => p.outRate)}" class="out"/>
      <text x="4" y="14" class="scale">${max.toFixed(max < 10 ? 1 : 0)} rec/s</text></svg>
      <div class="legend"><span class="in">in ${now ? now.inRate.toFixed(1) : '0'} rec/s · ${bytes(Math.round(now?.bytesIn ?? 0))}/s</span>
      <span class="out">out ${now ? now.outRate.toFixed(1) : '0'} rec/s · ${bytes(Math.round(now?.bytesOut ?? 0))}/s</span></div>`;
  };
  const tick = async () => {
    try {
      const t = await api<{ at: number; messagesIn: number; messagesOut: number; bytesIn: number; bytesOut: number }>('/api/throughput');
      if (last) {
        const s = Math.max(0.001, (t.at - last.at) / 1000);
        points.push({ at: t.at, inRate: (t.messagesIn - last.messagesIn) / s, outRate: (t.messagesOut - last.messagesOut) / s, bytesIn: (t.bytesIn - last.bytesIn) / s, bytesOut: (t.bytesOut - last.bytesOut) / s });
        if (points.length > 60) points.shift();
      }
      last = t;
      draw();
    } catch {
      // the next tick tries again
    }
  };
  draw();
  void tick();
  timers.push(window.setInterval(() => void tick(), 2000));
  return box;
}

async function brokerScreen(main: HTMLElement, id: string): Promise<void> {
  document.title = `Broker ${id} · Samsa`;
  const r = await api<{ broker: number; configs: ConfigEntry[] }>(`/api/brokers/${id}/configs`);
  main.append(h('h1', {}, `Broker ${r.broker}`), h('h2', {}, 'Configuration'), configTable(r.configs));
}

function configTable(configs: ConfigEntry[]): HTMLElement {
  return table(
    ['Name', 'Value', 'Source'],
    configs.map((c) => ({ cells: [h('code', {}, c.name), c.sensitive ? '(sensitive)' : (c.value ?? '–'), h('span', { class: c.isDefault ? 'muted' : 'source' }, c.source)], attrs: { 'data-config': c.name } })),
    { class: 'configs', 'data-testid': 'configs' },
  );
}

// ---------------------------------------------------------------- topics

async function topicsScreen(main: HTMLElement): Promise<void> {
  document.title = 'Topics · Samsa';
  const { topics } = await api<{ topics: TopicRow[] }>('/api/topics');
  const showInternal = new URLSearchParams(location.search).get('internal') === '1';
  const list = topics.filter((t) => showInternal || !t.internal);
  main.append(
    h('h1', {}, 'Topics'),
    h('p', {}, link(showInternal ? '/topics' : '/topics?internal=1', showInternal ? 'Hide internal topics' : 'Show internal topics')),
    table(
      ['Name', 'Partitions', 'Replication', 'Under-replicated', 'Records', 'Size', ''],
      list.map((t) => ({
        cells: [link(`/topics/${encodeURIComponent(t.name)}`, t.name), num(t.partitions), num(t.replicationFactor), num(t.underReplicated), num(t.records), bytes(t.size), link(`/topics/${encodeURIComponent(t.name)}/messages`, 'messages')],
        attrs: { 'data-topic': t.name },
      })),
      { 'data-testid': 'topics' },
    ),
  );
  if (readOnly()) return;
  const status = h('div', {});
  const form = h(
    'form',
    { class: 'inline', 'data-testid': 'create-topic' },
    h('h2', {}, 'Create a topic'),
    h('label', {}, 'Name ', h('input', { name: 'name', required: true, pattern: '[a-zA-Z0-9._-]+' })),
    h('label', {}, 'Partitions ', h('input', { name: 'partitions', type: 'number', min: 1, value: 1 })),
    h('label', {}, 'Replication factor ', h('input', { name: 'replicationFactor', type: 'number', min: 1, value: 1 })),
    h('label', {}, 'Configs ', h('input', { name: 'configs', placeholder: 'cleanup.policy=compact, retention.ms=60000' })),
    h('button', { type: 'submit' }, 'Create'),
    status,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const f = new FormData(form);
    const name = String(f.get('name'));
    void api('/api/topics', { method: 'POST', body: { name, partitions: Number(f.get('partitions')), replicationFactor: Number(f.get('replicationFactor')), configs: parsePairs(String(f.get('configs') ?? '')) } }).then(
      () => navigate(`/topics/${encodeURIComponent(name)}`),
      (err: Error) => status.replaceChildren(notice(err.message)),
    );
  });
  main.append(form);
}

function parsePairs(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of s.split(',')) {
    const t = part.trim();
    if (t === '') continue;
    const eq = t.indexOf('=');
    if (eq <= 0) throw new Error(`expected key=value, got "${t}"`);
    out[t.slice(0, eq).trim()] = t.slice(eq + 1).trim();
  }
  return out;
}

async function topicScreen(main: HTMLElement, name: string): Promise<void> {
  document.title = `${name} · Samsa`;
  const t = await api<TopicDetail>(`/api/topics/${encodeURIComponent(name)}`);
  main.append(
    h('h1', {}, 'Topic ', h('span', { class: 'mono' }, t.name), t.internal ? h('span', { class: 'badge' }, 'internal') : null),
    h('p', {}, link(`/topics/${encodeURIComponent(name)}/messages`, 'Browse messages →'), h('span', { class: 'muted' }, ` topic id ${t.topicId}`)),
    h('h2', {}, 'Partitions'),
    table(
      ['Partition', 'Leader', 'Replicas', 'ISR', 'Log start offset', 'High watermark', 'Records', 'Size'],
      t.partitions.map((p) => ({
        cells: [String(p.partition), String(p.leader), p.replicas.join(', '), h('span', { class: p.isr.length < p.replicas.length ? 'warn' : '' }, p.isr.join(', ')), num(p.logStartOffset), num(p.highWatermark), num(p.highWatermark - p.logStartOffset), bytes(p.size)],
        attrs: { 'data-partition': p.partition },
      })),
      { 'data-testid': 'partitions' },
    ),
    h('h2', {}, 'Configuration'),
    configTable(t.configs),
  );
  if (readOnly()) return;
  const status = h('div', {});
  const alter = h(
    'form',
    { class: 'inline', 'data-testid': 'alter-config' },
    h('h3', {}, 'Change a setting'),
    h('label', {}, 'Name ', h('input', { name: 'key', required: true, list: 'config-names' })),
    h('datalist', { id: 'config-names' }, ...t.configs.map((c) => h('option', { value: c.name }))),
    h('label', {}, 'Value ', h('input', { name: 'value', placeholder: 'empty: back to the default' })),
    h('button', { type: 'submit' }, 'Apply'),
    status,
  );
  alter.addEventListener('submit', (e) => {
    e.preventDefault();
    const f = new FormData(alter);
    const key = String(f.get('key'));
    const value = String(f.get('value') ?? '');
    void api(`/api/topics/${encodeURIComponent(name)}/configs`, { method: 'POST', body: value === '' ? { remove: [key] } : { set: { [key]: value } } }).then(
      () => void render(),
      (err: Error) => status.replaceChildren(notice(err.message)),
    );
  });
  const del = h('button', { class: 'danger', 'data-testid': 'delete-topic', onclick: () => {
    if (!confirm(`Delete topic ${name} and all its records?`)) return;
    void api(`/api/topics/${encodeURIComponent(name)}`, { method: 'DELETE' }).then(
      () => navigate('/topics'),
      (err: Error) => status.replaceChildren(notice(err.message)),
    );
  } }, 'Delete topic');
  main.append(alter, h('h3', {}, 'Danger zone'), del);
}

// ---------------------------------------------------------------- message browser

async function messagesScreen(main: HTMLElement, name: string): Promise<void> {
  document.title = `${name} messages · Samsa`;
  const t = await api<TopicDetail>(`/api/topics/${encodeURIComponent(name)}`);
  const q = new URLSearchParams(location.search);
  const results = h('div', { 'data-testid': 'messages' });
  let last: Browse | null = null;
  const input = (n: string, attrs: Record<string, string | number> = {}) => h('input', { name: n, value: q.get(n) ?? '', ...attrs });
  const from = h('select', { name: 'from' }, ...['start', 'end', 'offset', 'timestamp'].map((v) => h('option', { value: v, selected: (q.get('from') ?? 'end') === v }, v)));
  const partition = h('select', { name: 'partition' }, h('option', { value: 'all' }, 'all'), ...t.partitions.map((p) => h('option', { value: p.partition, selected: q.get('partition') === String(p.partition) }, String(p.partition))));
  const form = h(
    'form',
    { class: 'inline browse', 'data-testid': 'browse' },
    h('label', {}, 'Partition ', partition),
    h('label', {}, 'From ', from),
    h('label', {}, 'Offset / timestamp ', input('at', { placeholder: 'offset, or ms / 2026-01-01T00:00' })),
    h('label', {}, 'Limit ', input('limit', { type: 'number', min: 1, max: 1000, placeholder: '50' })),
    h('label', {}, 'Key contains ', input('key')),
    h('label', {}, 'Value contains ', input('value')),
    h('label', {}, 'Header contains ', input('header')),
    h('button', { type: 'submit' }, 'Show'),
    h('button', { type: 'button', 'data-testid': 'download', onclick: () => {
      if (!last) return;
      const blob = new Blob([JSON.stringify(last.records, null, 2)], { type: 'application/json' });
      const a = h('a', { href: URL.createObjectURL(blob), download: `${name}-messages.json` });
      a.click();
      URL.revokeObjectURL(a.href);
    } }, 'Download JSON'),
  );
  const load = async () => {
    const f = new FormData(form);
    const params = new URLSearchParams();
    for (const k of ['partition', 'from', 'at', 'limit', 'key', 'value', 'header']) {
      const v = String(f.get(k) ?? '');
      if (v !== '') params.set(k, v);
    }
    history.replaceState(null, '', `${location.pathname}?${params}`);
    const at = params.get('at');
    if (at !== null && params.get('from') === 'timestamp' && !/^\d+$/.test(at)) {
      const ms = Date.parse(at);
      if (Number.isNaN(ms)) throw new Error(`cannot read "${at}" as a time`);
      params.set('at', String(ms));
    }
    results.replaceChildren(h('p', { class: 'loading' }, 'Reading…'));
    try {
      last = await api<Browse>(`/api/topics/${encodeURIComponent(name)}/messages?${params}`);
      results.replaceChildren(messageTable(last));
    } catch (err) {
      results.replaceChildren(notice((err as Error).message));
    }
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void load().catch((err: Error) => results.replaceChildren(notice(err.message)));
  });
  main.append(h('h1', {}, 'Messages of ', link(`/topics/${encodeURIComponent(name)}`, name)), form, results);
  await load();
}

function shown(v: Shown, cls: string): HTMLElement {
  if (v === null) return h('span', { class: 'muted' }, 'null');
  if (v.encoding === 'hex') return h('code', { class: `hex ${cls}`, title: 'binary, shown as hex' }, v.hex.replace(/(..)/g, '$1 ').trim());
  if (v.json) {
    try {
      return h('pre', { class: `json ${cls}` }, JSON.stringify(JSON.parse(v.text), null, 2));
    } catch {
      // shown as text below
    }
  }
  return h('span', { class: cls }, v.text);
}

function messageTable(b: Browse): HTMLElement {
  const box = h('div', {});
  box.append(
    h('p', { class: 'muted' }, `${b.records.length} record${b.records.length === 1 ? '' : 's'}`, b.truncated ? ' (stopped early: narrow the filters to see more)' : '', ' · ', ...b.partitions.map((p) => `p${p.partition} ${p.logStartOffset}–${p.highWatermark}  `)),
    table(
      ['Partition', 'Offset', 'Timestamp', 'Key', 'Value', 'Headers'],
      b.records.map((r) => ({
        cells: [String(r.partition), String(r.offset), new Date(r.timestamp).toISOString(), shown(r.key, 'key'), shown(r.value, 'value'), r.headers.length ? h('span', {}, ...r.headers.map((x) => h('div', {}, h('code', {}, x.key), ': ', shown(x.value, 'header')))) : ''],
        attrs: { 'data-offset': r.offset, 'data-partition': r.partition },
      })),
      { class: 'records' },
    ),
  );
  return box;
}

// ---------------------------------------------------------------- consumer groups

async function groupsScreen(main: HTMLElement): Promise<void> {
  document.title = 'Consumer groups · Samsa';
  const { groups } = await api<{ groups: GroupRow[] }>('/api/groups');
  main.append(
    h('h1', {}, 'Consumer groups'),
    table(
      ['Group', 'State', 'Members', 'Topics', 'Coordinator', 'Total lag'],
      groups.map((g) => ({ cells: [link(`/groups/${encodeURIComponent(g.groupId)}`, g.groupId), g.state, num(g.members), g.topics.join(', '), String(g.coordinator), h('span', { 'data-testid': 'lag' }, num(g.totalLag))], attrs: { 'data-group': g.groupId } })),
      { 'data-testid': 'groups' },
    ),
  );
}

async function groupScreen(main: HTMLElement, name: string): Promise<void> {
  document.title = `${name} · Samsa`;
  const g = await api<GroupDetail>(`/api/groups/${encodeURIComponent(name)}`);
  main.append(
    h('h1', {}, 'Group ', h('span', { class: 'mono' }, g.groupId)),
    h('div', { class: 'cards' }, card('State', g.state), card('Members', String(g.members.length)), card('Protocol', g.protocol || '–'), card('Coordinator', String(g.coordinator)), card('Total lag', num(g.totalLag), g.totalLag > 0 ? 'warn' : '')),
    h('h2', {}, 'Members'),
    table(
      ['Member', 'Client', 'Host', 'Assignment'],
      g.members.map((m) => ({ cells: [h('code', {}, m.memberId), m.clientId, m.host, m.assignment.map((a) => `${a.topic}: ${a.partitions.join(', ')}`).join('; ')] })),
      { 'data-testid': 'members' },
    ),
    h('h2', {}, 'Offsets and lag'),
    table(
      ['Topic', 'Partition', 'Committed', 'Log start', 'Log end', 'Lag', 'Member'],
      g.partitions.map((p) => ({
        cells: [link(`/topics/${encodeURIComponent(p.topic)}`, p.topic), String(p.partition), num(p.currentOffset), num(p.logStartOffset), num(p.logEndOffset), h('span', { class: 'lag' }, num(p.lag)), p.memberId ?? ''],
        attrs: { 'data-topic': p.topic, 'data-partition': p.partition, 'data-lag': p.lag ?? '', 'data-committed': p.currentOffset ?? '' },
      })),
      { 'data-testid': 'offsets' },
    ),
  );
  if (readOnly()) return;
  const topics = [...new Set(g.partitions.map((p) => p.topic))];
  const preview = h('div', { 'data-testid': 'reset-preview' });
  const form = h(
    'form',
    { class: 'inline', 'data-testid': 'reset' },
    h('h2', {}, 'Reset offsets'),
    g.members.length > 0 ? h('p', { class: 'muted' }, 'The group has active members: stop its consumers before executing a reset (a preview works any time).') : null,
    h('label', {}, 'Topic ', topics.length ? h('select', { name: 'topic' }, ...topics.map((t) => h('option', { value: t }, t))) : h('input', { name: 'topic', required: true })),
    h('label', {}, 'Partitions ', h('input', { name: 'partitions', placeholder: 'all, or 0,1,2' })),
    h('label', {}, 'To ', h('select', { name: 'to' }, ...[['start', 'earliest'], ['end', 'latest'], ['offset', 'offset'], ['shift', 'shift by'], ['timestamp', 'timestamp']].map(([v, l]) => h('option', { value: v! }, l!)))),
    h('label', {}, 'Value ', h('input', { name: 'value', placeholder: 'offset, shift, or time' })),
    h('button', { type: 'submit', name: 'action', value: 'preview' }, 'Preview'),
    preview,
  );
  const body = (execute: boolean) => {
    const f = new FormData(form);
    const to = String(f.get('to'));
    const raw = String(f.get('value') ?? '').trim();
    const parts = String(f.get('partitions') ?? '').trim();
    let value: number | undefined;
    if (to === 'timestamp') value = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
    else if (to === 'offset' || to === 'shift') value = Number(raw);
    if (value !== undefined && !Number.isSafeInteger(value)) throw new Error(`"${raw}" is not a ${to === 'timestamp' ? 'time' : 'number'}`);
    return { topic: String(f.get('topic')), to, ...(value !== undefined ? { value } : {}), ...(parts && parts !== 'all' ? { partitions: parts.split(',').map((x) => Number(x.trim())) } : {}), execute };
  };
  const run = async (execute: boolean) => {
    try {
      const r = await api<ResetResult>(`/api/groups/${encodeURIComponent(name)}/reset`, { method: 'POST', body: body(execute) });
      const rows = table(
        ['Topic', 'Partition', 'Current offset', 'New offset'],
        r.partitions.map((p) => ({ cells: [p.topic, String(p.partition), num(p.currentOffset), num(p.newOffset)], attrs: { 'data-partition': p.partition } })),
      );
      if (r.executed) {
        preview.replaceChildren(notice('Offsets reset.', 'ok'), rows);
        setTimeout(() => void render(), 600);
        return;
      }
      preview.replaceChildren(h('p', {}, 'Preview: nothing changed yet.'), rows, h('button', { type: 'button', class: 'danger', 'data-testid': 'reset-execute', onclick: () => void run(true) }, 'Execute reset'));
    } catch (err) {
      preview.replaceChildren(notice(err instanceof HttpError || err instanceof Error ? err.message : String(err)));
    }
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void run(false);
  });
  main.append(form);
}

window.addEventListener('popstate', () => void render());
void render();
