import os

print("api on", os.environ["DATABASE_URL"].split("@")[1])
