from sqlalchemy import create_engine, text

from ledger.config import settings


def main() -> None:
    engine = create_engine(settings.LEDGER_DB_URL)
    with engine.connect() as connection:
        print(connection.execute(text("SELECT count(*) FROM entries")).scalar_one())


if __name__ == "__main__":
    main()
