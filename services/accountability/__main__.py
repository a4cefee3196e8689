from services.accountability.main import main

main()
