"""The HTTP service: ``physio-notes serve`` (the optional extra ``serve``).

A FastAPI application run by uvicorn. It answers ``/plan``, ``/handout``, ``/note`` and
``/referral`` with what the command line prints or writes, serves the input's JSON Schema and
its own OpenAPI description, and offers a CDS Hooks 2.0 ``patient-view`` service whose cards
link to the patient handout. Documents render in a bounded pool of worker processes, each
render within a time limit. See ``docs/service.md``.

This package's ``__init__`` imports nothing, so that the command line can read the service's
options (``_options``, standard library only) without the web framework installed.

Files:

* ``_options``: :class:`ServeOptions`, the settings, read from the command line or the
  environment, and the uvicorn settings they give;
* ``_worker``: what runs inside a render worker process (no web framework);
* ``_pool``: :class:`RenderPool`, the bounded pool of render workers with a time limit per
  render, which replaces a worker that overran;
* ``_links``: the handout links of CDS cards: the presentation, encrypted and signed, with an
  expiry;
* ``_cds``: CDS Hooks discovery, reading a ``patient-view`` call and making its card;
* ``_errors``: :class:`ApiError` and the JSON error body;
* ``_input``: reading a request body (media type, size, strict JSON) into a plan;
* ``_app``: the FastAPI application (:func:`create_app`): routes, authentication, logging,
  CORS, start-up and shutdown.
"""
