from app.client import main

main()
