from alembic import context

context.configure(url="postgresql://unused", literal_binds=True)
with context.begin_transaction():
    context.run_migrations()
