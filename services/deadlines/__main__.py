from services.deadlines.main import main

main()
