print("ordeal")
