def main() -> None:
    print("Hello from townhall!")
