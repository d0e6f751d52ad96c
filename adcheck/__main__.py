from adcheck.cli import main

main()
