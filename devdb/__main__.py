from devdb.cli import main

main()
