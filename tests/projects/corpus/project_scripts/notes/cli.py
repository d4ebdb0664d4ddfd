import uvicorn


def main() -> None:
    uvicorn.run("notes.web:app", host="127.0.0.1", port=18106)


if __name__ == "__main__":
    main()
