/** Styles live in the shadow root, so the host page's CSS cannot reach in and ours cannot leak out. */
export const STYLES = `
:host{all:initial}
*{box-sizing:border-box}
.ob{--a:#2563eb;position:fixed;bottom:20px;right:20px;z-index:2147483000;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#111827}
.ob.left{right:auto;left:20px}
button{font:inherit;cursor:pointer}
.launcher{position:relative;width:56px;height:56px;border-radius:50%;border:0;background:var(--a);color:#fff;box-shadow:0 6px 20px rgba(0,0,0,.22);display:flex;align-items:center;justify-content:center;transition:transform .15s}
.launcher:hover{transform:scale(1.06)}
.launcher:focus-visible,.ob button:focus-visible,.ob a:focus-visible{outline:3px solid #93c5fd;outline-offset:2px}
.launcher svg{width:26px;height:26px;fill:currentColor}
.badge{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 6px;border-radius:10px;background:#dc2626;color:#fff;font-size:12px;font-weight:600;line-height:20px;text-align:center;border:2px solid #fff}
.badge[hidden],[hidden]{display:none!important}
.panel{position:absolute;bottom:72px;right:0;width:370px;max-width:calc(100vw - 40px);height:560px;max-height:calc(100vh - 110px);background:#fff;border-radius:16px;box-shadow:0 12px 40px rgba(0,0,0,.22);display:flex;flex-direction:column;overflow:hidden}
.left .panel{right:auto;left:0}
.head{background:var(--a);color:#fff;padding:14px 16px;display:flex;align-items:center;gap:10px}
.title{flex:1;min-width:0}
.name{font-weight:600;font-size:16px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.status{font-size:12px;opacity:.9;display:flex;align-items:center;gap:6px}
.dot{width:8px;height:8px;border-radius:50%;background:#9ca3af}
.on .dot{background:#4ade80}
.notice{background:#fef3c7;color:#78350f;padding:8px 14px;font-size:13px}
.reply{font-size:12px;opacity:.9}
.list{flex:1;overflow-y:auto;padding:14px;display:flex;flex-direction:column;gap:8px;background:#f8fafc}
.empty{margin:auto;color:#6b7280;text-align:center;padding:20px}
.msg{max-width:80%;display:flex;flex-direction:column;align-self:flex-start}
.msg.in{align-self:flex-end;align-items:flex-end}
.bubble{padding:8px 12px;border-radius:14px;background:#fff;border:1px solid #e5e7eb;white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-word}
.in .bubble{background:var(--a);border-color:var(--a);color:#fff}
.in .bubble a{color:#fff}
.bubble:empty{display:none}
.who{font-size:12px;color:#6b7280;margin:0 4px 2px}
.meta{font-size:11px;color:#9ca3af;margin:2px 4px 0}
.err{color:#dc2626}
.err button{background:none;border:0;padding:0;color:#dc2626;text-decoration:underline;margin-left:4px;font-size:11px}
.pending .bubble{opacity:.7}
.files{display:flex;flex-direction:column;gap:4px;margin-top:4px}
.thumb img{display:block;max-width:220px;max-height:180px;border-radius:10px;border:1px solid #e5e7eb}
.file{display:inline-block;padding:6px 10px;border-radius:10px;background:#eef2ff;color:#1e3a8a;text-decoration:none;overflow-wrap:anywhere}
.typing{padding:2px 16px 6px;font-size:12px;color:#6b7280;font-style:italic;background:#f8fafc}
.chips{display:flex;flex-wrap:wrap;gap:6px;padding:8px 12px 0}
.chip{display:flex;align-items:center;gap:6px;background:#f1f5f9;border-radius:8px;padding:4px 8px;font-size:12px;max-width:100%}
.chip span{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.chip button{background:none;border:0;padding:0 2px;color:#6b7280;font-size:14px}
.chip.bad{background:#fee2e2;color:#991b1b}
.alert{color:#b91c1c;font-size:12px;padding:6px 14px 0}
.composer{display:flex;align-items:flex-end;gap:6px;padding:10px 12px 12px;border-top:1px solid #e5e7eb}
textarea{flex:1;resize:none;border:1px solid #d1d5db;border-radius:10px;padding:8px 10px;font:inherit;max-height:120px;min-height:38px;outline:none;color:#111827;background:#fff}
textarea:focus,input:focus{border-color:var(--a);box-shadow:0 0 0 2px rgba(37,99,235,.15)}
.icon{width:38px;height:38px;flex:none;border-radius:10px;border:0;background:transparent;color:#6b7280;display:flex;align-items:center;justify-content:center}
.icon:hover{background:#f1f5f9}
.icon svg{width:20px;height:20px;fill:currentColor}
.head .icon{color:#fff;width:34px;height:34px}
.head .icon:hover{background:rgba(255,255,255,.18)}
.send{background:var(--a);color:#fff}
.send:hover{background:var(--a);filter:brightness(1.1)}
.send:disabled{opacity:.5;cursor:default}
.pre{padding:14px;border-top:1px solid #e5e7eb;display:flex;flex-direction:column;gap:8px}
.pre p{margin:0;color:#374151;font-size:13px}
.pre label{display:flex;flex-direction:column;gap:3px;font-size:12px;color:#374151}
.pre input{font:inherit;padding:8px 10px;border:1px solid #d1d5db;border-radius:10px;outline:none}
.pre input[aria-invalid=true]{border-color:#dc2626}
.pre .alert{padding:0}
.primary{background:var(--a);color:#fff;border:0;border-radius:10px;padding:9px 12px;font-weight:600}
.primary:disabled{opacity:.6}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.sv{padding:10px 14px;border-top:1px solid #e5e7eb;background:#fff}
.sv p{margin:0 0 8px}
.scores{display:flex;flex-wrap:wrap;gap:4px}
.scores button{flex:1;min-width:26px;padding:6px 0;border:1px solid #d1d5db;border-radius:8px;background:#fff}
.scores button:hover{border-color:var(--a);color:var(--a)}
.ends{display:flex;justify-content:space-between;font-size:11px;color:#6b7280;margin-top:4px}
.sv textarea{width:100%;margin-bottom:6px}
.row{display:flex;gap:8px;align-items:center}
.link{background:none;border:0;color:#6b7280;text-decoration:underline}
.invite{position:absolute;bottom:72px;right:0;width:260px;background:#fff;border-radius:14px;box-shadow:0 8px 28px rgba(0,0,0,.2);display:flex;align-items:flex-start}
.left .invite{right:auto;left:0}
.it{flex:1;text-align:left;background:none;border:0;padding:12px 4px 12px 14px;white-space:pre-wrap;overflow-wrap:anywhere;color:inherit}
.ix{background:none;border:0;color:#6b7280;font-size:18px;padding:6px 10px}
@media (max-width:480px){.panel{position:fixed;inset:0;width:auto;max-width:none;height:auto;max-height:none;border-radius:0}.open .launcher{display:none}}
`;
