// cargobay console: plain ES module, no framework, no build step.
// Every S3 call is signed by the server for the signed-in user (api/sign) and sent to the S3 API
// itself, so the console can do exactly what that user's S3 credentials allow, nothing more.

const BASE = "/_cargobay/console/";
const PART_SIZE = 8 * 1024 * 1024;      // multipart above this size, in parts of this size
let csrf = null;
const main = document.getElementById("main");
const message = document.getElementById("message");

// ---------------------------------------------------------------- helpers

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "text") el.textContent = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c);
  return el;
}

function say(text, bad = false) {
  message.textContent = text;
  message.className = bad ? "bad" : "";
}

function fmtSize(n) {
  if (n === null || n === undefined || isNaN(n)) return "";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0, v = Number(n);
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return (i ? v.toFixed(1) : String(v)) + " " + units[i];
}

function encKey(key) { return key.split("/").map(encodeURIComponent).join("/"); }
function objPath(bucket, key) { return "/" + bucket + "/" + key; }

async function api(name, body) {
  const r = await fetch(BASE + "api/" + name, {
    method: body === undefined ? "GET" : "POST",
    headers: body === undefined ? {} : {"Content-Type": "application/json", ...(csrf ? {"X-CSRF-Token": csrf} : {})},
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  const data = await r.json().catch(() => ({}));
  if (r.status === 401 && name !== "login" && name !== "session") { showSignIn("Your session ended; sign in again."); }
  if (!r.ok) throw new Error(data.error || ("console call failed: " + r.status));
  return data;
}

class S3Error extends Error {
  constructor(status, code, msg) { super(code ? `${code}: ${msg}` : `HTTP ${status}`); this.status = status; this.code = code; }
}

// One S3 request, signed by the server for this session, sent to the S3 API.
async function s3(method, path, {query = [], headers = {}, body, signal} = {}) {
  const signed = await api("sign", {method, path, query, headers});
  const r = await fetch(signed.url, {method, headers: signed.headers, body, signal});
  if (!r.ok) {
    const text = await r.text();
    const doc = text ? new DOMParser().parseFromString(text, "application/xml") : null;
    const code = doc?.querySelector("Code")?.textContent;
    const msg = doc?.querySelector("Message")?.textContent || "";
    throw new S3Error(r.status, code, msg);
  }
  return r;
}

async function s3xml(method, path, opts) {
  const r = await s3(method, path, opts);
  return new DOMParser().parseFromString(await r.text(), "application/xml");
}

const all = (node, tag) => Array.from(node.getElementsByTagName(tag));
const one = (node, tag) => node.getElementsByTagName(tag)[0]?.textContent ?? "";
const direct = (node, tag) => Array.from(node.children).find(c => c.localName === tag)?.textContent ?? "";

// Each route() is one generation; a page that finishes loading after the user moved on (or
// after a newer load of the same page) is dropped instead of overwriting the newer page.
let generation = 0;

function render(gen, title, ...content) {
  if (gen !== generation) return;
  main.replaceChildren(h("h1", {text: title}), ...content.flat().filter(c => c !== null && c !== undefined));
  document.title = title + " — cargobay console";
  main.focus();
}

function failed(err) { say(err.message || String(err), true); }

// ---------------------------------------------------------------- sign in / out

function showSignIn(note) {
  csrf = null;
  document.getElementById("top").hidden = true;
  const form = h("form", {class: "signin", "aria-labelledby": "signin-title"},
    h("h1", {id: "signin-title", text: "Sign in to cargobay"}),
    h("label", {}, "Access key", h("input", {name: "access_key", autocomplete: "username", required: true})),
    h("label", {}, "Secret key", h("input", {name: "secret", type: "password", autocomplete: "current-password", required: true})),
    h("button", {type: "submit", text: "Sign in"}));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const data = new FormData(form);
    try {
      const s = await api("login", {access_key: data.get("access_key"), secret: data.get("secret")});
      signedIn(s);
      location.hash = "#/buckets";
      route();
    } catch (err) { failed(err); }
  });
  main.replaceChildren(form);
  document.title = "Sign in — cargobay console";
  if (note) say(note, true);
  form.querySelector("input").focus();
}

function signedIn(s) {
  csrf = s.csrf;
  document.getElementById("top").hidden = false;
  document.getElementById("who").textContent = "Signed in as " + s.user;
  say("");
}

document.getElementById("logout").addEventListener("click", async () => {
  try { await api("logout", {}); } catch (err) { /* the session may be gone already */ }
  showSignIn();
  say("Signed out.");
});

// ---------------------------------------------------------------- buckets

async function bucketsPage(gen) {
  const doc = await s3xml("GET", "/");
  const rows = all(doc, "Bucket").map(b => {
    const name = one(b, "Name");
    return h("tr", {},
      h("td", {}, h("a", {href: "#/b/" + encodeURIComponent(name) + "/"}, name)),
      h("td", {class: "hide-narrow", text: new Date(one(b, "CreationDate")).toLocaleString()}),
      h("td", {}, h("button", {type: "button", class: "secondary", "aria-label": "Delete bucket " + name, onclick: async () => {
        if (!confirm(`Delete the bucket ${name}? (only an empty bucket can be deleted)`)) return;
        try { await s3("DELETE", "/" + name); say("Deleted bucket " + name); route(); } catch (err) { failed(err); }
      }}, "Delete")));
  });
  const form = h("form", {class: "row"},
    h("label", {}, "New bucket name", h("input", {name: "bucket", required: true, pattern: "[a-z0-9][a-z0-9.\\-]{1,61}[a-z0-9]"})),
    h("label", {}, h("span", {}, h("input", {type: "checkbox", name: "lock"}), " Object lock")),
    h("button", {type: "submit", text: "Create bucket"}));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const name = new FormData(form).get("bucket").trim();
    const headers = form.elements.lock.checked ? {"x-amz-bucket-object-lock-enabled": "true"} : {};
    try { await s3("PUT", "/" + name, {headers}); say("Created bucket " + name); route(); } catch (err) { failed(err); }
  });
  render(gen, "Buckets", form,
    rows.length ? h("div", {class: "table-wrap"}, h("table", {},
      h("thead", {}, h("tr", {}, h("th", {text: "Name"}), h("th", {class: "hide-narrow", text: "Created"}), h("th", {text: "Actions"}))),
      h("tbody", {}, rows))) : h("p", {class: "muted", text: "No buckets yet."}));
}

// ---------------------------------------------------------------- a bucket's objects

let sortBy = {field: "key", desc: false};

async function bucketSettings(bucket) {
  const get = async (sub, pick) => {
    try { return pick(await s3("GET", "/" + bucket, {query: [[sub, ""]]})); }
    catch (err) { return err.status === 404 ? "none" : ([403, 405].includes(err.status) ? "not allowed" : err.message); }
  };
  const xmlText = async r => new DOMParser().parseFromString(await r.text(), "application/xml");
  const versioning = await get("versioning", async r => one(await xmlText(r), "Status") || "never enabled");
  const lock = await get("object-lock", async r => one(await xmlText(r), "ObjectLockEnabled") || "off");
  const cors = await get("cors", r => r.text());
  const policy = await get("policy", r => r.text());
  return {versioning, lock, cors, policy};
}

async function objectsPage(bucket, prefix, token, gen) {
  const query = [["list-type", "2"], ["delimiter", "/"], ["max-keys", "1000"], ["prefix", prefix]];
  if (token) query.push(["continuation-token", token]);
  const [doc, settings] = await Promise.all([s3xml("GET", "/" + bucket, {query}), bucketSettings(bucket)]);
  const folders = all(doc, "CommonPrefixes").map(p => one(p, "Prefix"));
  let objects = all(doc, "Contents").map(c => ({key: one(c, "Key"), size: Number(one(c, "Size")),
    modified: one(c, "LastModified"), etag: one(c, "ETag")}));
  const f = sortBy.field;
  objects.sort((a, b) => (a[f] < b[f] ? -1 : a[f] > b[f] ? 1 : 0) * (sortBy.desc ? -1 : 1));
  const next = one(doc, "NextContinuationToken");
  const base = "#/b/" + encodeURIComponent(bucket) + "/";

  const crumbs = h("nav", {class: "crumbs", "aria-label": "Folder"}, h("a", {href: base}, bucket));
  let acc = "";
  for (const part of prefix.split("/").filter(Boolean)) {
    acc += part + "/";
    crumbs.append(" / ", h("a", {href: base + "?prefix=" + encodeURIComponent(acc)}, part));
  }
  const filter = h("form", {class: "row", role: "search"},
    h("label", {}, "Prefix filter", h("input", {name: "prefix", value: prefix})),
    h("button", {type: "submit", class: "secondary", text: "Filter"}));
  filter.addEventListener("submit", ev => { ev.preventDefault(); location.hash = base + "?prefix=" + encodeURIComponent(filter.elements.prefix.value); });

  const sortButton = (field, label) => h("button", {type: "button", class: "sort",
    "aria-label": `Sort by ${label}` + (sortBy.field === field ? (sortBy.desc ? ", now descending" : ", now ascending") : ""),
    onclick: () => { sortBy = {field, desc: sortBy.field === field ? !sortBy.desc : false}; route(); }},
    label + (sortBy.field === field ? (sortBy.desc ? " ▼" : " ▲") : ""));
  const rows = [
    ...folders.map(p => h("tr", {}, h("td", {}),
      h("td", {}, h("a", {href: base + "?prefix=" + encodeURIComponent(p), class: "folder"}, p.slice(prefix.length))),
      h("td", {class: "num"}), h("td", {class: "hide-narrow"}), h("td", {class: "hide-narrow"}))),
    ...objects.map(o => h("tr", {},
      h("td", {}, h("input", {type: "checkbox", class: "pick", value: o.key, "aria-label": "Select " + o.key})),
      h("td", {}, h("a", {href: "#/o/" + encodeURIComponent(bucket) + "/" + encodeURIComponent(o.key)}, o.key.slice(prefix.length))),
      h("td", {class: "num", text: fmtSize(o.size), title: o.size + " bytes"}),
      h("td", {class: "hide-narrow", text: new Date(o.modified).toLocaleString()}),
      h("td", {class: "hide-narrow etag", text: o.etag}))),
  ];
  const table = h("div", {class: "table-wrap"}, h("table", {"aria-label": "Objects"},
    h("thead", {}, h("tr", {}, h("th", {}, h("span", {class: "muted", text: "Pick"})), h("th", {}, sortButton("key", "Name")),
      h("th", {class: "num"}, sortButton("size", "Size")), h("th", {class: "hide-narrow"}, sortButton("modified", "Modified")),
      h("th", {class: "hide-narrow", text: "ETag"}))),
    h("tbody", {}, rows)));
  const del = h("button", {type: "button", class: "danger", onclick: async () => {
    const keys = Array.from(main.querySelectorAll("input.pick:checked")).map(i => i.value);
    if (!keys.length) { say("Select objects to delete first.", true); return; }
    if (!confirm(`Delete ${keys.length} object${keys.length === 1 ? "" : "s"} from ${bucket}?`)) return;
    try {
      for (const key of keys) await s3("DELETE", objPath(bucket, key));
      say(`Deleted ${keys.length} object${keys.length === 1 ? "" : "s"}.`);
      route();
    } catch (err) { failed(err); }
  }}, "Delete selected");
  const paging = h("div", {class: "row"},
    token ? h("a", {href: base + "?prefix=" + encodeURIComponent(prefix)}, "First page") : null,
    next ? h("a", {href: base + "?prefix=" + encodeURIComponent(prefix) + "&token=" + encodeURIComponent(next)}, "Next page") : null);

  render(gen, bucket, crumbs,
    h("p", {class: "muted"}, `Versioning: ${settings.versioning} · Object lock: ${settings.lock}`),
    filter, uploadBox(bucket, prefix), h("div", {class: "row"}, del), table,
    folders.length + objects.length ? null : h("p", {class: "muted", text: "Nothing here."}), paging,
    h("h2", {text: "Multipart uploads in flight"}), await uploadsList(bucket),
    h("details", {}, h("summary", {text: "CORS configuration"}), h("pre", {text: settings.cors})),
    h("details", {}, h("summary", {text: "Bucket policy"}), h("pre", {text: settings.policy})));
}

async function uploadsList(bucket) {
  const doc = await s3xml("GET", "/" + bucket, {query: [["uploads", ""]]});
  const items = all(doc, "Upload").map(u => {
    const key = one(u, "Key"), id = one(u, "UploadId");
    return h("li", {}, h("span", {text: `${key} (started ${new Date(one(u, "Initiated")).toLocaleString()})`}),
      h("button", {type: "button", class: "secondary", "aria-label": "Abort upload of " + key, onclick: async () => {
        if (!confirm(`Abort the unfinished upload of ${key}?`)) return;
        try { await s3("DELETE", objPath(bucket, key), {query: [["uploadId", id]]}); say("Aborted the upload of " + key); route(); }
        catch (err) { failed(err); }
      }}, "Abort"));
  });
  return items.length ? h("ul", {class: "uploads"}, items) : h("p", {class: "muted", text: "None."});
}

// ---------------------------------------------------------------- upload

function uploadBox(bucket, prefix) {
  const list = h("ul", {class: "uploads", "aria-label": "Uploads"});
  const files = h("input", {type: "file", multiple: true, id: "pick-files"});
  const folder = h("input", {type: "file", multiple: true, webkitdirectory: true, id: "pick-folder"});
  const start = async (items) => {
    try {
      for (const [file, rel] of items) await uploadOne(bucket, prefix + rel, file, list);
    } catch (err) { failed(err); return; }
    say(`Uploaded ${items.length} file${items.length === 1 ? "" : "s"}.`);
    route();
  };
  files.addEventListener("change", () => start(Array.from(files.files).map(f => [f, f.name])));
  folder.addEventListener("change", () => start(Array.from(folder.files).map(f => [f, f.webkitRelativePath || f.name])));
  const drop = h("div", {class: "drop"}, "Drop files or folders here, or choose: ",
    h("label", {}, "Files", files), " ", h("label", {}, "A folder", folder), list);
  drop.addEventListener("dragover", ev => { ev.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", async ev => {
    ev.preventDefault();
    drop.classList.remove("over");
    const entries = Array.from(ev.dataTransfer.items).map(i => i.webkitGetAsEntry?.()).filter(Boolean);
    const found = [];
    for (const e of entries) await walkEntry(e, "", found);
    start(found);
  });
  return drop;
}

async function walkEntry(entry, dir, out) {
  if (entry.isFile) {
    out.push([await new Promise((ok, bad) => entry.file(ok, bad)), dir + entry.name]);
  } else if (entry.isDirectory) {
    const reader = entry.createReader();
    for (;;) {
      const batch = await new Promise((ok, bad) => reader.readEntries(ok, bad));
      if (!batch.length) break;
      for (const e of batch) await walkEntry(e, dir + entry.name + "/", out);
    }
  }
}

// One PUT with upload progress (XMLHttpRequest: fetch reports no upload progress).
async function putWithProgress(path, query, headers, body, onProgress, xhrs) {
  const signed = await api("sign", {method: "PUT", path, query, headers});
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhrs.add(xhr);
    xhr.open("PUT", signed.url);
    for (const [k, v] of Object.entries(signed.headers)) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = ev => onProgress(ev.loaded);
    xhr.onload = () => { xhrs.delete(xhr); xhr.status < 300 ? resolve(xhr) : reject(new S3Error(xhr.status,
      new DOMParser().parseFromString(xhr.responseText, "application/xml").querySelector("Code")?.textContent, "")); };
    xhr.onerror = () => { xhrs.delete(xhr); reject(new Error("network error")); };
    xhr.onabort = () => { xhrs.delete(xhr); reject(new Error("cancelled")); };
    xhr.send(body);
  });
}

// x-amz-checksum-sha256 of a small upload: the server checks it, and a PutObject into a bucket with
// a default retention needs a digest (AWS: "Content-MD5 OR x-amz-checksum- HTTP header is required").
// crypto.subtle exists only in a secure context (https, or the console on loopback); without it, none.
async function checksumHeader(file) {
  if (!globalThis.crypto?.subtle) return {};
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", await file.arrayBuffer()));
  return {"x-amz-checksum-sha256": btoa(String.fromCharCode(...digest))};
}

async function uploadOne(bucket, key, file, list) {
  const bar = h("progress", {max: String(file.size || 1), value: "0", "aria-label": "Upload progress of " + key});
  const xhrs = new Set();
  let cancelled = false, uploadId = null;
  const cancel = h("button", {type: "button", class: "secondary", "aria-label": "Cancel upload of " + key, onclick: async () => {
    cancelled = true;
    for (const x of xhrs) x.abort();
  }}, "Cancel");
  const item = h("li", {}, h("span", {text: key}), bar, cancel);
  list.append(item);
  const path = objPath(bucket, key);
  const type = file.type || "application/octet-stream";
  try {
    if (file.size <= PART_SIZE) {
      const headers = {"Content-Type": type, ...await checksumHeader(file)};
      await putWithProgress(path, [], headers, file, n => { bar.value = n; }, xhrs);
    } else {
      const created = await s3xml("POST", path, {query: [["uploads", ""]], headers: {"Content-Type": type}});
      uploadId = one(created, "UploadId");
      const parts = [];
      let done = 0;
      for (let n = 1, off = 0; off < file.size; n++, off += PART_SIZE) {
        if (cancelled) throw new Error("cancelled");
        const chunk = file.slice(off, Math.min(off + PART_SIZE, file.size));
        const xhr = await putWithProgress(path, [["partNumber", String(n)], ["uploadId", uploadId]], {}, chunk,
          loaded => { bar.value = done + loaded; }, xhrs);
        done += chunk.size;
        parts.push(`<Part><PartNumber>${n}</PartNumber><ETag>${xhr.getResponseHeader("ETag")}</ETag></Part>`);
      }
      await s3("POST", path, {query: [["uploadId", uploadId]],
        body: `<CompleteMultipartUpload>${parts.join("")}</CompleteMultipartUpload>`});
    }
    bar.value = file.size;
    cancel.remove();
    item.append(h("span", {class: "muted", text: "done"}));
  } catch (err) {
    if (uploadId) { try { await s3("DELETE", path, {query: [["uploadId", uploadId]]}); } catch (e) { /* listed under uploads in flight */ } }
    cancel.remove();
    item.append(h("span", {class: "muted", text: cancelled ? "cancelled" : "failed: " + err.message}));
    if (!cancelled) throw err;
  }
}

// ---------------------------------------------------------------- an object

async function objectPage(bucket, key, gen) {
  const path = objPath(bucket, key);
  const head = await s3("HEAD", path, {headers: {"x-amz-checksum-mode": "ENABLED"}});
  const hd = head.headers;
  const props = [["Size", `${fmtSize(hd.get("content-length"))} (${hd.get("content-length")} bytes)`], ["ETag", hd.get("etag")],
    ["Last modified", hd.get("last-modified")]];
  for (const name of ["content-type", "content-encoding", "content-disposition", "content-language", "cache-control",
    "expires", "x-amz-version-id", "x-amz-storage-class", "x-amz-object-lock-mode", "x-amz-object-lock-retain-until-date",
    "x-amz-object-lock-legal-hold"]) if (hd.get(name)) props.push([name, hd.get(name)]);
  for (const [name, value] of hd) if (name.startsWith("x-amz-checksum-")) props.push(["Checksum " + name.slice(15).toUpperCase(), value]);
  const meta = []; for (const [name, value] of hd) if (name.startsWith("x-amz-meta-")) meta.push([name.slice(11), value]);
  const dl = pairs => h("dl", {class: "props"}, pairs.flatMap(([k, v]) => [h("dt", {text: k}), h("dd", {text: v})]));

  // tags
  const tagsDoc = await s3xml("GET", path, {query: [["tagging", ""]]}).catch(err => { failed(err); return null; });
  const tags = tagsDoc ? all(tagsDoc, "Tag").map(t => [one(t, "Key"), one(t, "Value")]) : [];
  const tagForm = h("form", {class: "row"},
    h("label", {}, "Tag name", h("input", {name: "k", required: true})),
    h("label", {}, "Tag value", h("input", {name: "v"})),
    h("button", {type: "submit", text: "Add tag"}));
  tagForm.addEventListener("submit", async ev => {
    ev.preventDefault();
    const next = tags.filter(([k]) => k !== tagForm.elements.k.value).concat([[tagForm.elements.k.value, tagForm.elements.v.value]]);
    const esc = s => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    const xml = `<Tagging><TagSet>${next.map(([k, v]) => `<Tag><Key>${esc(k)}</Key><Value>${esc(v)}</Value></Tag>`).join("")}</TagSet></Tagging>`;
    try { await s3("PUT", path, {query: [["tagging", ""]], body: xml}); say("Tag saved."); route(); } catch (err) { failed(err); }
  });

  // presigned link
  const linkOut = h("input", {readonly: true, id: "link", "aria-label": "Presigned link", size: "50"});
  const expiry = h("select", {name: "expires"}, [["300", "5 minutes"], ["3600", "1 hour"], ["86400", "1 day"], ["604800", "7 days"]]
    .map(([v, t]) => h("option", {value: v}, t)));
  const share = h("form", {class: "row"}, h("label", {}, "Link expires in", expiry),
    h("button", {type: "submit", text: "Make link"}), linkOut,
    h("button", {type: "button", class: "secondary", onclick: async () => {
      linkOut.select();
      try { await navigator.clipboard.writeText(linkOut.value); say("Link copied."); } catch (e) { document.execCommand("copy"); say("Link copied."); }
    }}, "Copy link"));
  share.addEventListener("submit", async ev => {
    ev.preventDefault();
    try { linkOut.value = (await api("presign", {path, query: [], expires: Number(expiry.value)})).url; say("Link made."); }
    catch (err) { failed(err); }
  });
  const download = h("button", {type: "button", onclick: async () => {
    try {
      const {url} = await api("presign", {path, query: [["response-content-disposition", `attachment; filename="${key.split("/").pop()}"`]], expires: 300});
      location.href = url;
    } catch (err) { failed(err); }
  }}, "Download");

  // versions (where the bucket keeps them)
  let versions = null;
  try {
    const vdoc = await s3xml("GET", "/" + bucket, {query: [["versions", ""], ["prefix", key]]});
    const vs = [...all(vdoc, "Version"), ...all(vdoc, "DeleteMarker")].filter(v => one(v, "Key") === key);
    if (vs.length > 1 || (vs.length === 1 && one(vs[0], "VersionId") !== "null")) {
      versions = h("div", {class: "table-wrap"}, h("table", {"aria-label": "Versions"},
        h("thead", {}, h("tr", {}, h("th", {text: "Version"}), h("th", {class: "num", text: "Size"}), h("th", {text: "Modified"}), h("th", {text: "Actions"}))),
        h("tbody", {}, vs.map(v => {
          const id = one(v, "VersionId"), latest = one(v, "IsLatest") === "true", marker = v.localName === "DeleteMarker";
          return h("tr", {}, h("td", {text: id + (latest ? " (current)" : "") + (marker ? " (delete marker)" : "")}),
            h("td", {class: "num", text: marker ? "" : fmtSize(one(v, "Size"))}), h("td", {text: new Date(one(v, "LastModified")).toLocaleString()}),
            h("td", {}, latest || marker ? null : h("button", {type: "button", class: "secondary", "aria-label": "Restore version " + id, onclick: async () => {
              try {
                await s3("PUT", path, {headers: {"x-amz-copy-source": "/" + bucket + "/" + encKey(key) + "?versionId=" + encodeURIComponent(id)}});
                say("Restored version " + id); route();
              } catch (err) { failed(err); }
            }}, "Restore")));
        }))));
    }
  } catch (err) { /* not allowed to list versions: leave the section out */ }

  // retention and legal hold where set
  const lockInfo = [];
  for (const [sub, tag, label] of [["retention", "RetainUntilDate", "Retain until"], ["legal-hold", "Status", "Legal hold"]]) {
    try { const d = await s3xml("GET", path, {query: [[sub, ""]]}); const v = one(d, tag); if (v) lockInfo.push([label, (sub === "retention" ? one(d, "Mode") + " " : "") + v]); }
    catch (err) { /* none set */ }
  }

  const del = h("button", {type: "button", class: "danger", onclick: async () => {
    if (!confirm(`Delete 1 object (${key}) from ${bucket}?`)) return;
    try { await s3("DELETE", path); say("Deleted " + key); location.hash = "#/b/" + encodeURIComponent(bucket) + "/"; } catch (err) { failed(err); }
  }}, "Delete");
  const parent = key.includes("/") ? key.slice(0, key.lastIndexOf("/") + 1) : "";
  render(gen, key,
    h("nav", {class: "crumbs", "aria-label": "Back"}, h("a", {href: "#/b/" + encodeURIComponent(bucket) + "/?prefix=" + encodeURIComponent(parent)}, "← " + bucket + "/" + parent)),
    h("div", {class: "row"}, download, del),
    h("h2", {text: "Properties"}), dl(props),
    h("h2", {text: "User metadata"}), meta.length ? dl(meta) : h("p", {class: "muted", text: "None."}),
    h("h2", {text: "Tags"}), tags.length ? dl(tags) : h("p", {class: "muted", text: "None."}), tagForm,
    lockInfo.length ? [h("h2", {text: "Retention and legal hold"}), dl(lockInfo)] : null,
    versions ? [h("h2", {text: "Versions"}), versions] : null,
    h("h2", {text: "Share a link"}), share);
}

// ---------------------------------------------------------------- status

async function statusPage(gen) {
  const s = await api("status");
  const up = s.uptime_seconds;
  const fmtUp = `${Math.floor(up / 86400)}d ${Math.floor(up % 86400 / 3600)}h ${Math.floor(up % 3600 / 60)}m ${Math.floor(up % 60)}s`;
  render(gen, "Server status", h("dl", {class: "props"}, [
    ["Version", s.version], ["Data directory", s.data_dir],
    ["Disk free", `${fmtSize(s.disk_free)} of ${fmtSize(s.disk_total)}`],
    ["Buckets", String(s.buckets)], ["Objects", String(s.objects)], ["Stored bytes", `${fmtSize(s.bytes)} (${s.bytes} bytes)`],
    ["Uptime", fmtUp], ["Requests since start", String(s.requests)], ["Error responses (4xx/5xx)", String(s.errors)],
    ["Internal errors (500)", String(s.internal_errors)],
  ].flatMap(([k, v]) => [h("dt", {text: k}), h("dd", {text: v})])));
}

// ---------------------------------------------------------------- routing

async function route() {
  if (!csrf) return;
  const hash = location.hash || "#/buckets";
  const gen = ++generation;
  try {
    let m;
    if ((m = hash.match(/^#\/b\/([^/]+)\/?(?:\?(.*))?$/))) {
      const params = new URLSearchParams(m[2] || "");
      await objectsPage(decodeURIComponent(m[1]), params.get("prefix") || "", params.get("token"), gen);
    } else if ((m = hash.match(/^#\/o\/([^/]+)\/(.+)$/))) {
      await objectPage(decodeURIComponent(m[1]), decodeURIComponent(m[2]), gen);
    } else if (hash === "#/status") {
      await statusPage(gen);
    } else {
      await bucketsPage(gen);
    }
  } catch (err) {
    if (csrf && gen === generation) { render(gen, "Could not load this page"); failed(err); }
  }
}

window.addEventListener("hashchange", () => { say(""); route(); });

(async () => {
  try { signedIn(await api("session")); route(); }
  catch (err) { showSignIn(); }
})();
