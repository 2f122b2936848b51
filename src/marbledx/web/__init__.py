"""The web layer: a FastAPI app over the case registry (``marbledx serve``); see docs/web.md.

::

    from marbledx.registry import Registry
    from marbledx.web import create_app
    app = create_app(Registry.open(), hpo=load_hpo(), kb=load_knowledge_base())
"""

from marbledx.web._app import DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_UPLOAD_BYTES, create_app, render_docs_page

__all__ = ["DEFAULT_MAX_BODY_BYTES", "DEFAULT_MAX_UPLOAD_BYTES", "create_app", "render_docs_page"]
