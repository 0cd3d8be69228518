import { build } from 'esbuild';
const r = await build({ entryPoints: { 'launch-probe': 'functions/launch-probe.ts' }, outdir: '/tmp/bw6-an', bundle: true, splitting: true, platform: 'node', format: 'esm', target: 'node20', minify: true, external: ['@google-cloud/functions-framework'], metafile: true, write: false, chunkNames: 'chunks/[name]-[hash]' });
const outs = r.metafile.outputs;
const entry = Object.keys(outs).find(k => k.endsWith('launch-probe.js'))!;
const seen = new Set<string>(); const pk = new Map<string, number>();
const visit = (o: string) => { if (seen.has(o)) return; seen.add(o); for (const [i, v] of Object.entries(outs[o].inputs)) { const p = i.match(/node_modules\/((@[^/]+\/)?[^/]+)/)?.[1] ?? i.split('/').slice(0,2).join('/'); pk.set(p, (pk.get(p) ?? 0) + v.bytesInOutput); } for (const im of outs[o].imports) if (im.kind === 'import-statement' && !im.external) visit(im.path); };
visit(entry);
console.log([...pk].sort((a,b)=>b[1]-a[1]).slice(0,15).map(([p,b])=>`${p} ${(b/1024).toFixed(0)}K`).join('\n'));
