"""uploaded logo and favicon, served by Herald

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-28 10:40:00

The page's logo and favicon may be uploaded (PNG, JPEG, WebP or ICO, small) instead
of linked: the bytes live in `page_images`, one row per kind, so every host serves
the same file and a backup holds it. `page_settings` keeps each one's version, so the
pages link to `/brand/logo-<version>.png` and `/favicon.ico?v=<version>` without a
second query.
"""
from alembic import op
import sqlalchemy as sa

import app.models.types


# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "page_images",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=16), nullable=False),
        sa.Column("updated_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_page_images")),
    )
    with op.batch_alter_table("page_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("logo_image", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("favicon_image", sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table("page_settings", schema=None) as batch_op:
        batch_op.drop_column("favicon_image")
        batch_op.drop_column("logo_image")
    op.drop_table("page_images")
