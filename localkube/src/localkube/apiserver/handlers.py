"""HTTP glue for resource requests: query parameters and bodies in, JSON (or a stream) out.

Everything semantic happens in ``operations.py``; here are the wire details clients depend
on: status codes (201 on create, 202 for a delete that only marked the object), list and
PartialObjectMetadata envelopes, Tables for kubectl, DeleteOptions from the body or the
query, and the watch stream's setup (initial ADDED for resourceVersion ""/"0", replay from a
resourceVersion, or an ERROR 410 event when it is older than the history window).
"""

from __future__ import annotations

import json
from typing import Any

import yaml
from aiohttp import web

from eso.clock import Clock
from localkube.apiserver import protobuf
from localkube.apiserver import status as st
from localkube.apiserver.conversion import view
from localkube.apiserver.operations import DeleteOptions, Operations, WriteOptions
from localkube.apiserver.patch import check_patch_type
from localkube.apiserver.routes import Target
from localkube.apiserver.selectors import (
    FieldSelector,
    LabelSelector,
    parse_field_selector,
    parse_label_selector,
)
from localkube.apiserver.status import ApiError
from localkube.apiserver.tables import table
from localkube.apiserver.watch import Watcher

JSONDict = dict[str, Any]
DEFAULT_WATCH_TIMEOUT = 1800.0  # seconds; kube-apiserver picks 30-60 min


def dumps(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


def json_response(body: Any, *, status: int = 200) -> web.Response:
    return web.Response(body=dumps(body), status=status, content_type="application/json")


def error_response(err: ApiError) -> web.Response:
    resp = json_response(err.body(), status=err.code)
    resp.headers.update(err.headers)
    return resp


def _flag(query: Any, name: str) -> bool:
    return str(query.get(name, "")).lower() in ("true", "1")


def _int(query: Any, name: str, default: int) -> int:
    raw = query.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise st.bad_request(f"invalid {name}: {raw!r}") from None


class ResourceHandlers:
    """Serves one resource request; ``watchers`` is shared with the bookmark ticker."""

    def __init__(self, ops: Operations, *, clock: Clock) -> None:
        self.ops = ops
        self.clock = clock
        self.watchers: set[Watcher] = set()

    async def handle(self, request: web.Request, t: Target) -> web.StreamResponse:
        if t.verb == "watch":
            return await self._watch(request, t)
        if t.verb in ("create", "update", "patch"):
            return await self._write(request, t)
        if t.verb == "get":
            obj = self.ops.get(t.rt, namespace=t.namespace or "", name=t.name or "")
            return self._render_one(request, t, obj)
        if t.verb == "list":
            return self._list(request, t)
        return await self._delete(request, t)

    def _selectors(
        self, request: web.Request, t: Target
    ) -> tuple[LabelSelector | None, FieldSelector | None]:
        labels = parse_label_selector(request.query.get("labelSelector"))
        fields = parse_field_selector(request.query.get("fieldSelector"), allowed=t.rt.field_labels)
        return labels, fields

    def _render_one(self, request: web.Request, t: Target, obj: JSONDict) -> web.Response:
        accept = request.headers.get("Accept", "")
        if "as=Table" in accept:
            meta = {"resourceVersion": obj["metadata"].get("resourceVersion", "")}
            return json_response(self._table(request, t, [obj], meta))
        metadata_only = "as=PartialObjectMetadata" in accept
        return json_response(view(t.rt, obj, metadata_only=metadata_only))

    def _table(
        self, request: web.Request, t: Target, objs: list[JSONDict], meta: JSONDict
    ) -> JSONDict:
        include = request.query.get("includeObject", "Metadata")
        served = [view(t.rt, o, metadata_only=False) for o in objs]
        return table(t.rt, served, now=self.clock.wall(), include=include, meta=meta)

    def _list(self, request: web.Request, t: Target) -> web.Response:
        labels, fields = self._selectors(request, t)
        q = request.query
        limit = 0 if q.get("resourceVersion") == "0" else _int(q, "limit", 0)
        result = self.ops.list_objects(
            t.rt,
            namespace=t.namespace,
            labels=labels,
            fields=fields,
            limit=limit,
            continue_=q.get("continue", ""),
        )
        meta: JSONDict = {"resourceVersion": result.resource_version}
        if result.continue_:
            meta["continue"] = result.continue_
        if result.remaining is not None:
            meta["remainingItemCount"] = result.remaining
        accept = request.headers.get("Accept", "")
        if "as=Table" in accept:
            return json_response(self._table(request, t, result.items, meta))
        if "as=PartialObjectMetadata" in accept:
            items = [view(t.rt, o, metadata_only=True) for o in result.items]
            return json_response(
                {
                    "kind": "PartialObjectMetadataList",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": meta,
                    "items": items,
                }
            )
        items = [view(t.rt, o, metadata_only=False) for o in result.items]
        return json_response(
            {
                "kind": f"{t.rt.kind}List",
                "apiVersion": t.rt.api_version,
                "metadata": meta,
                "items": items,
            }
        )

    async def _body(self, request: web.Request) -> Any:
        """JSON (any ``+json`` patch type too), YAML, or protobuf for the kinds kubectl's
        typed ``create`` commands send; other media types are 415."""
        raw = await request.read()
        if not raw:
            return None
        media = request.headers.get("Content-Type", "application/json").split(";")[0].strip()
        try:
            if media in ("application/yaml", "application/apply-patch+yaml"):
                return yaml.safe_load(raw)
            if media == "application/json" or media.endswith("+json"):
                return json.loads(raw)
            if media == protobuf.MEDIA:
                return protobuf.decode(raw)
        except (ValueError, IndexError, UnicodeDecodeError, yaml.YAMLError) as e:
            raise st.bad_request(f"the body of the request could not be decoded: {e}") from None
        raise st.unsupported_media_type(media)

    async def _write(self, request: web.Request, t: Target) -> web.Response:
        if t.verb == "patch":  # kube-apiserver refuses the media type before reading the body
            check_patch_type(request.headers.get("Content-Type", ""), custom=t.rt.custom)
        body = await self._body(request)
        q = request.query
        opts = WriteOptions(
            field_validation=q.get("fieldValidation") or "Warn", dry_run=q.get("dryRun") == "All"
        )
        resp = self._apply_write(request, t, body, opts)
        for warning in opts.warnings:
            resp.headers.add("Warning", f"299 - {json.dumps(warning)}")
        return resp

    def _apply_write(
        self, request: web.Request, t: Target, body: Any, opts: WriteOptions
    ) -> web.Response:
        ns = t.namespace or ""
        if t.verb == "patch":
            content_type = request.headers.get("Content-Type", "")
            obj = self.ops.patch(
                t.rt,
                body,
                content_type=content_type,
                namespace=ns,
                name=t.name or "",
                subresource=t.subresource,
                opts=opts,
            )
            return self._render_one(request, t, obj)
        if not isinstance(body, dict):
            raise st.bad_request("the body of the request was not a JSON object")
        if t.verb == "create":
            obj = self.ops.create(t.rt, body, namespace=ns, opts=opts)
            return json_response(view(t.rt, obj, metadata_only=False), status=201)
        obj = self.ops.update(
            t.rt, body, namespace=ns, name=t.name or "", subresource=t.subresource, opts=opts
        )
        return self._render_one(request, t, obj)

    async def _delete_options(self, request: web.Request) -> DeleteOptions:
        body = await self._body(request)
        body = body if isinstance(body, dict) else {}
        pre = body.get("preconditions") or {}
        q = request.query
        return DeleteOptions(
            propagation=body.get("propagationPolicy") or q.get("propagationPolicy"),
            uid=pre.get("uid"),
            resource_version=pre.get("resourceVersion"),
            dry_run="All" in (body.get("dryRun") or []) or q.get("dryRun") == "All",
        )

    async def _delete(self, request: web.Request, t: Target) -> web.Response:
        opts = await self._delete_options(request)
        if t.verb == "deletecollection":
            return self._delete_collection(request, t, opts)
        obj, now = self.ops.delete(t.rt, namespace=t.namespace or "", name=t.name or "", opts=opts)
        code = 200 if now else 202
        if now and not t.rt.returns_deleted_object:
            md = obj["metadata"]
            return json_response(
                st.success_status(
                    name=md["name"], group=t.rt.group, plural=t.rt.plural, uid=md.get("uid", "")
                ),
                status=code,
            )
        return json_response(view(t.rt, obj, metadata_only=False), status=code)

    def _delete_collection(
        self, request: web.Request, t: Target, opts: DeleteOptions
    ) -> web.Response:
        labels, fields = self._selectors(request, t)
        result = self.ops.list_objects(t.rt, namespace=t.namespace, labels=labels, fields=fields)
        items = []
        for obj in result.items:
            md = obj["metadata"]
            try:
                gone, _ = self.ops.delete(
                    t.rt, namespace=md.get("namespace", ""), name=md["name"], opts=opts
                )
            except ApiError as e:
                if e.code != 404:
                    raise
                continue
            items.append(view(t.rt, gone, metadata_only=False))
        return json_response(
            {
                "kind": f"{t.rt.kind}List",
                "apiVersion": t.rt.api_version,
                "metadata": {"resourceVersion": str(self.ops.store.rv)},
                "items": items,
            }
        )

    def _watcher(self, request: web.Request, t: Target) -> Watcher:
        labels, fields = self._selectors(request, t)
        accept = request.headers.get("Accept", "")
        render, render_key = None, ""
        if "as=Table" in accept:

            def render(obj: JSONDict) -> JSONDict:
                meta = {"resourceVersion": obj["metadata"].get("resourceVersion", "")}
                return self._table(request, t, [obj], meta)

            render_key = f"Table;{request.query.get('includeObject', 'Metadata')}"
        return Watcher(
            t.rt,
            namespace=t.namespace if t.rt.namespaced else None,
            labels=labels,
            fields=fields,
            metadata_only="as=PartialObjectMetadata" in accept,
            bookmarks=_flag(request.query, "allowWatchBookmarks"),
            render=render,
            render_key=render_key,
        )

    def _start(self, watcher: Watcher, t: Target, rv: str, *, initial_events: bool) -> None:
        """Queue the initial events and subscribe, atomically with respect to writes.

        ``initial_events`` is a streaming list (``sendInitialEvents=true``): current state,
        then a BOOKMARK annotated ``k8s.io/initial-events-end``, whatever ``rv`` says (the
        state served is never older than it, which is what NotOlderThan asks).
        """
        store = self.ops.store
        if rv in ("", "0") or initial_events:
            ns = t.namespace if t.rt.namespaced else None
            for obj in store.objects(t.rt.storage, namespace=ns):
                watcher.send_initial(obj)
            if initial_events:
                watcher.bookmark(store.rv, initial_events_end=True)
        else:
            try:
                since = int(rv)
            except ValueError:
                raise st.bad_request(f"invalid resource version: {rv!r}") from None
            events = store.events_since(t.rt.storage, since)
            if events is None:
                watcher.error(st.expired(f"too old resource version: {since} ({store.compacted})"))
                return
            for event in events:
                watcher.offer(event)
        store.subscribe(t.rt.storage, watcher)
        self.watchers.add(watcher)

    async def _watch(self, request: web.Request, t: Target) -> web.StreamResponse:
        watcher = self._watcher(request, t)
        rv = request.query.get("resourceVersion", "")
        timeout = float(_int(request.query, "timeoutSeconds", 0)) or DEFAULT_WATCH_TIMEOUT
        resp = web.StreamResponse(headers={"Content-Type": "application/json"})
        resp.enable_chunked_encoding()
        initial = request.query.get("sendInitialEvents", "").lower() == "true"
        self._start(watcher, t, rv, initial_events=initial)  # raises 400 before any byte is sent
        try:
            await resp.prepare(request)
            await watcher.stream(resp, seconds=timeout)
        finally:
            self.ops.store.unsubscribe(t.rt.storage, watcher)
            self.watchers.discard(watcher)
            watcher.close()
        return resp

    def drop_watches(self) -> int:
        watchers = list(self.watchers)
        for w in watchers:
            w.close()
        return len(watchers)

    def bookmark_all(self) -> None:
        for w in list(self.watchers):
            w.bookmark(self.ops.store.rv)
