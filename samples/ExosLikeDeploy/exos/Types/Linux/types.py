import time
print("types v1")
